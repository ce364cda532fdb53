package io.callbridge.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The harness's own Mosquitto, on a free port: the documented settings of {@code docs/brokers/mosquitto.conf}
 * (read, never edited) plus a loopback listener, anonymous access and a temporary persistence folder.
 */
final class Mosquitto {

    final Proc proc;
    final int port;

    private Mosquitto(Proc proc, int port) {
        this.proc = proc;
        this.port = port;
    }

    static Mosquitto start(Options o, Path dir, Path log) throws Exception {
        Files.createDirectories(dir);
        int port = Bench.freePort();
        Path documented = o.mainDir.resolve("docs/brokers/mosquitto.conf");
        StringBuilder conf = new StringBuilder();
        if (Files.exists(documented)) {
            conf.append("# --- ").append(documented).append(" ---\n").append(Files.readString(documented)).append('\n');
        } else {
            Bench.log("  warning: " + documented + " is missing; Mosquitto runs with its defaults");
        }
        conf.append("# --- added by the harness ---\n");
        conf.append("listener ").append(port).append(" 127.0.0.1\n");
        conf.append("allow_anonymous true\n");
        conf.append("persistence_location ").append(dir.toAbsolutePath()).append("/\n");
        if ("root".equals(System.getProperty("user.name"))) {
            conf.append("user root\n");
        }
        Path confFile = dir.resolve("mosquitto.conf");
        Files.writeString(confFile, conf.toString());
        Proc p = Proc.start("mosquitto", List.of(o.mosquitto, "-c", confFile.toString()), dir, Map.of(), log,
                confFile.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            if (!p.alive()) {
                throw new IllegalStateException("mosquitto exited: " + p.logTail(20));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    p.stop(Duration.ofSeconds(5));
                    throw new IllegalStateException("mosquitto did not listen on " + port + ": " + p.logTail(20));
                }
                Thread.sleep(20);
            }
        }
        return new Mosquitto(p, port);
    }

    void stop() {
        proc.stop(Duration.ofSeconds(10));
    }
}
