package io.callbridge.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * One fresh start of one system under test, with its own broker (a fresh Mosquitto for all but
 * callbridge-embedded), its own device fleet and its own tracker. Closing it stops everything it started.
 */
final class Session implements AutoCloseable {

    /** CPU ticks of the parties at one moment. */
    record Snap(long nanos, long sut, long broker, long harness, long machineBusy, long machineTotal) {
    }

    final Ctx ctx;
    final String system;
    final String label;
    final Path dir;
    final Tracker tracker = new Tracker();
    final String sessionId;
    Mosquitto mosquitto;
    Proc sut;
    Fleet fleet;
    Mqtt3AsyncClient subscriber;
    int mqttPort;
    int httpPort = -1;
    String pgDatabase;
    double startupMs = Double.NaN;
    String readiness;
    long[] sutPids = new long[0];
    long brokerPid = -1;
    private int probes;
    final Map<String, Object> logs = new LinkedHashMap<>();

    private Session(Ctx ctx, String system, String label) throws IOException {
        this.ctx = ctx;
        this.system = system;
        this.label = label;
        this.sessionId = Integer.toString(ctx.sessions.incrementAndGet(), 36) + UUID.randomUUID().toString().substring(0, 4);
        this.dir = Files.createDirectories(ctx.tempRoot.resolve(label + "-" + sessionId));
    }

    static boolean isCallBridge(String system) {
        return system.startsWith("callbridge");
    }

    static boolean externalBroker(String system) {
        return !system.equals("callbridge-embedded");
    }

    /** Starts the system (and its broker) and connects {@code connections} devices; checks one ring end to end. */
    static Session open(Ctx ctx, String system, String label, int connections) throws Exception {
        Session s = new Session(ctx, system, label);
        ctx.receiver.tracker(s.tracker);
        try {
            s.start(connections);
            return s;
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private void start(int connections) throws Exception {
        Options o = ctx.o;
        Duration connectTimeout = Duration.ofSeconds(60);
        if (externalBroker(system)) {
            mosquitto = Mosquitto.start(o, dir.resolve("mosquitto"), ctx.logs.resolve(label + "-mosquitto.log"));
            mqttPort = mosquitto.port;
            brokerPid = mosquitto.proc.pid();
        }
        switch (system) {
            case "broker" -> {
                subscribeUplink(mosquitto.proc.launchedNanos);
                sutPids = new long[] {brokerPid};
                fleet = Fleet.connect("127.0.0.1", mqttPort, connections, "bench-" + sessionId, tracker, connectTimeout);
            }
            case "forwarder" -> {
                fleet = Fleet.connect("127.0.0.1", mqttPort, connections, "bench-" + sessionId, tracker, connectTimeout);
                List<String> cmd = new ArrayList<>();
                cmd.add(ctx.javaBin);
                cmd.add("-Dbench.session=" + dir);
                cmd.addAll(o.forwarderOpts);
                cmd.addAll(List.of("-cp", ctx.benchJar.toString(), "io.callbridge.bench.Forwarder",
                        "tcp://127.0.0.1:" + mqttPort, webhookUrl(), ctx.secret));
                sut = Proc.start("forwarder", cmd, dir, Map.of(), ctx.logs.resolve(label + ".log"), dir.toString());
                awaitLog("READY", Duration.ofSeconds(60));
                startupMs = (System.nanoTime() - sut.launchedNanos) / 1e6;
                readiness = "READY line (subscribed)";
            }
            case "node-red" -> {
                fleet = Fleet.connect("127.0.0.1", mqttPort, connections, "bench-" + sessionId, tracker, connectTimeout);
                Path userDir = Files.createDirectories(dir.resolve("node-red"));
                Path flows = userDir.resolve("flows.json");
                Files.copy(o.benchDir.resolve("node-red/flows.json"), flows);
                Map<String, String> env = new LinkedHashMap<>();
                env.put("MQTT_HOST", "127.0.0.1");
                env.put("MQTT_PORT", Integer.toString(mqttPort));
                env.put("MQTT_CLIENT_ID", "nodered-" + sessionId);
                env.put("WEBHOOK_URL", webhookUrl());
                env.put("WEBHOOK_SECRET", ctx.secret);
                env.put("NODE_RED_PORT", Integer.toString(Bench.freePort()));
                List<String> cmd = List.of(o.node, o.nodeRedDir.resolve("node_modules/node-red/red.js").toString(),
                        "--settings", o.benchDir.resolve("node-red/settings.js").toString(),
                        "--userDir", userDir.toString(), flows.toString());
                sut = Proc.start("node-red", cmd, dir, env, ctx.logs.resolve(label + ".log"), dir.toString());
                startupMs = (probeUntilArrival(Duration.ofSeconds(60), Duration.ofMillis(100)) - sut.launchedNanos) / 1e6;
                readiness = "first probe ring's webhook";
            }
            default -> startCallBridge();
        }
        if (sut != null) {
            List<Long> pids = new ArrayList<>();
            pids.add(sut.pid());
            sut.process.descendants().forEach(d -> pids.add(d.pid()));
            sutPids = pids.stream().mapToLong(Long::longValue).toArray();
        }
        if (fleet == null) {
            fleet = Fleet.connect("127.0.0.1", mqttPort, connections, "bench-" + sessionId, tracker, connectTimeout);
        }
        // One ring end to end before anything is measured: a system that is "ready" but deaf fails here.
        probeUntilArrival(Duration.ofSeconds(30), Duration.ofSeconds(5));
    }

    private void startCallBridge() throws Exception {
        Options o = ctx.o;
        httpPort = Bench.freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(ctx.javaBin);
        if (externalBroker(system)) {
            cmd.add("-Dcallbridge.mqtt.broker-url=tcp://127.0.0.1:" + mqttPort);
        } else {
            mqttPort = Bench.freePort();
            cmd.add("-Dcallbridge.mqtt.embedded.port=" + mqttPort);
            // The fleet speaks for many devices on each connection, so its devices connect without signing in.
            cmd.add("-Dcallbridge.mqtt.embedded.anonymous-devices=true");
            cmd.add("-Dcallbridge.limits.mqtt-connects-per-address-per-second=0");
        }
        cmd.add("-Dcallbridge.mqtt.client-id=bench-" + sessionId);
        cmd.add("-Dcallbridge.webhooks.url=" + webhookUrl());
        cmd.add("-Dcallbridge.webhooks.secret=" + ctx.secret);
        cmd.add("-Dcallbridge.auth.tokens.bench-token=" + o.user);
        // The harness's app is every user at once, from one address with one token: the per-caller rates are off.
        cmd.add("-Dcallbridge.limits.api-per-address-per-second=0");
        cmd.add("-Dcallbridge.limits.api-per-token-per-second=0");
        cmd.add("-Dcallbridge.admin.token=" + UUID.randomUUID());
        cmd.add("-Dcallbridge.data-dir=" + dir.resolve("data"));
        cmd.add("-Dquarkus.http.port=" + httpPort);
        cmd.add("-Dcallbridge.p2p.port=0");
        cmd.add("-Dcallbridge.call.ring-timeout=1h");
        if (system.equals("callbridge-pg")) {
            pgDatabase = "cb_bench_" + sessionId.replaceAll("[^a-z0-9]", "");
            Pg.create(o, pgDatabase);
            cmd.add("-Dquarkus.datasource.jdbc.url=" + Pg.url(o, pgDatabase));
            cmd.add("-Dquarkus.datasource.username=" + o.pgUser);
            cmd.add("-Dquarkus.datasource.password=" + o.pgPassword);
        }
        cmd.addAll(o.callbridgeOpts);
        cmd.add("-jar");
        cmd.add(ctx.callbridgeJar.toString());
        // The JVM reads its arguments from a file (java @file): the process's command line is then only
        // "java @<session dir>/callbridge.args", so a "pkill -f quarkus-run.jar" or "pkill -f callbridge" run by
        // someone restarting their own CallBridge on this machine does not hit the one being measured.
        Path argFile = dir.resolve("callbridge.args");
        StringBuilder args = new StringBuilder();
        for (String a : cmd.subList(1, cmd.size())) {
            args.append('"').append(a.replace("\\", "\\\\").replace("\"", "\\\"")).append("\"\n");
        }
        Files.writeString(argFile, args.toString());
        Path log = ctx.logs.resolve(label + ".log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "# " + String.join(" ", cmd) + "\n");
        sut = Proc.start(system, List.of(ctx.javaBin, "@" + argFile), o.callbridgeCwd, Map.of(), log, dir.toString());
        URI ready = URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready");
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (true) {
            if (!sut.alive()) {
                throw new IllegalStateException(system + " exited during start-up:\n" + sut.logTail(30));
            }
            try {
                HttpResponse<Void> r = ctx.probeHttp.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(system + " not ready after 180 s:\n" + sut.logTail(30));
            }
            Thread.sleep(50);
        }
        startupMs = (System.nanoTime() - sut.launchedNanos) / 1e6;
        readiness = "GET /q/health/ready 200";
    }

    /** The broker alone: the harness subscriber stands in for the webhook receiver. */
    private void subscribeUplink(long launchedNanos) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier("bench-sub-" + sessionId)
                    .serverHost("127.0.0.1").serverPort(mqttPort).buildAsync();
            try {
                c.connectWith().cleanSession(true).keepAlive(60).send().get(5, TimeUnit.SECONDS);
                c.subscribeWith().topicFilter("$thing/up/property/+/+").qos(MqttQos.AT_LEAST_ONCE).callback(p -> {
                    long now = System.nanoTime();
                    String[] t = p.getTopic().toString().split("/");
                    if (t.length == 5) {
                        tracker.onUplink(t[3] + "/" + t[4], now);
                    }
                }).send().get(5, TimeUnit.SECONDS);
                subscriber = c;
                startupMs = (System.nanoTime() - launchedNanos) / 1e6;
                readiness = "harness subscriber subscribed";
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot subscribe to the broker: " + e, e);
                }
                Thread.sleep(20);
            }
        }
    }

    /** Sends probe rings every {@code every} until one arrives; returns its arrival time (System.nanoTime). */
    long probeUntilArrival(Duration timeout, Duration every) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Ring> sent = new ArrayList<>();
        long next = 0;
        while (System.nanoTime() < deadline) {
            for (Ring r : sent) {
                if (r.arrived()) {
                    return r.arrivedNs();
                }
            }
            if (sut != null && !sut.alive()) {
                throw new IllegalStateException(system + " exited:\n" + sut.logTail(30));
            }
            if (System.nanoTime() >= next) {
                String name = "probe" + sessionId + "n" + (probes++);
                String device = fleet.product(0) + "/" + name;
                long now = System.nanoTime();
                Ring r = tracker.add(new Ring(device, "probe-" + sessionId + "-" + probes, now, Ring.PROBE));
                r.sentNs = now;
                sent.add(r);
                fleet.publish(0, name, Msgs.report(r.token, System.currentTimeMillis(), 1, ctx.o.user, device));
                next = now + every.toNanos();
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException(system + ": no probe ring came through in " + timeout.toSeconds() + " s"
                + (sut != null ? ":\n" + sut.logTail(30) : ""));
    }

    private void awaitLog(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!sut.logContains(text)) {
            if (!sut.alive()) {
                throw new IllegalStateException(system + " exited during start-up:\n" + sut.logTail(30));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(system + " not ready after " + timeout.toSeconds() + " s:\n" + sut.logTail(30));
            }
            Thread.sleep(10);
        }
    }

    String webhookUrl() {
        return "http://127.0.0.1:" + ctx.receiver.port + "/hooks";
    }

    /** The pid whose heap is read (the CallBridge JVM). */
    long jvmPid() {
        return sut == null ? -1 : sut.pid();
    }

    /** Null while the system runs; else how its process ended (it was not the harness that stopped it). */
    String died() {
        Proc p = sut != null && !sut.alive() ? sut : mosquitto != null && !mosquitto.proc.alive() ? mosquitto.proc : null;
        if (p == null) {
            return null;
        }
        int code = p.process.exitValue();
        String why = code == 143 ? " (SIGTERM, sent by something outside the harness)"
                : code == 137 ? " (SIGKILL: the OOM killer, or something outside the harness)" : "";
        return p.name + " exited by itself with code " + code + why + "; its log ends:\n" + p.logTail(15);
    }

    boolean alive() {
        return (sut == null || sut.alive()) && (mosquitto == null || mosquitto.proc.alive());
    }

    Snap snap() {
        long s = sumOverSut(Proc::ownTicks);
        long b = brokerPid > 0 ? Math.max(0, Proc.ownTicks(brokerPid)) : 0;
        long[] m = Proc.machineTicks();
        return new Snap(System.nanoTime(), s, b, Proc.selfTicks(), m[0], m[1]);
    }

    long sutRss() {
        return sumOverSut(Proc::rssBytes);
    }

    /** A reading summed over the system's processes; a process that is gone (reading ≤ 0) counts nothing. */
    private long sumOverSut(java.util.function.LongUnaryOperator reading) {
        long sum = 0;
        for (long pid : sutPids) {
            sum += Math.max(0, reading.applyAsLong(pid));
        }
        return sum;
    }

    long brokerRss() {
        return brokerPid > 0 ? Proc.rssBytes(brokerPid) : -1;
    }

    @Override
    public void close() {
        if (fleet != null) {
            fleet.close();
        }
        if (subscriber != null) {
            try {
                subscriber.disconnect().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // broker may be gone
            }
        }
        if (sut != null) {
            sut.stop(Duration.ofSeconds(30));
            logs.put(system, summarizeLog(sut.log, isCallBridge(system)));
        }
        if (mosquitto != null) {
            mosquitto.stop();
            logs.put("mosquitto", summarizeLog(mosquitto.proc.log, false));
        }
        if (pgDatabase != null) {
            Pg.drop(ctx.o, pgDatabase);
        }
        ctx.receiver.tracker(new Tracker());
        deleteTree(dir);
    }

    /** Counts errors and warnings in a log, keeps a few distinct ones, and gzips a big log. */
    static Map<String, Object> summarizeLog(Path log, boolean quarkus) {
        Map<String, Object> m = new LinkedHashMap<>();
        long errors = 0;
        long warnings = 0;
        LinkedHashSet<String> samples = new LinkedHashSet<>();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                boolean err;
                boolean warn;
                if (quarkus) {
                    err = line.contains(" ERROR [");
                    warn = line.contains(" WARN  [") || line.contains(" WARN [");
                } else if (line.contains("should not be run as root")) {
                    continue;
                } else {
                    String l = line.toLowerCase();
                    err = (l.contains("error") || l.contains("failed")) && !l.startsWith("#");
                    warn = l.contains("warn") || l.contains("dropped") || l.contains("exceeded");
                }
                if (err) {
                    errors++;
                }
                if (warn) {
                    warnings++;
                }
                if ((err || warn) && samples.size() < 8) {
                    String normalized = line.replaceFirst("^[0-9:,. -]+", "").replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<uuid>");
                    if (normalized.length() > 300) {
                        normalized = normalized.substring(0, 300) + "…";
                    }
                    samples.add(normalized);
                }
            }
            long size = Files.size(log);
            Path kept = log;
            if (size > 1_000_000) {
                kept = log.resolveSibling(log.getFileName() + ".gz");
                try (InputStream in = Files.newInputStream(log);
                        OutputStream out = new GZIPOutputStream(Files.newOutputStream(kept))) {
                    in.transferTo(out);
                }
                Files.delete(log);
            }
            m.put("file", kept.getParent().getFileName() + "/" + kept.getFileName());
            m.put("bytes", size);
        } catch (IOException e) {
            m.put("file", log.toString());
            m.put("unreadable", e.toString());
        }
        m.put("errors", errors);
        m.put("warnings", warnings);
        m.put("samples", new ArrayList<>(samples));
        return m;
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
