package io.callbridge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The CallBridge load harness: plays thousands of devices (MQTT) and the app vendor's server (webhook receiver,
 * tokenapi client) and measures each system under test, one at a time, in interleaved rounds.
 */
public final class Bench {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (Options.UsageException e) {
            if (e.getMessage() != null) {
                System.err.println("bench: " + e.getMessage());
            }
            System.err.print(Options.usage());
            System.exit(e.getMessage() == null ? 0 : 64);
            return;
        }
        int code;
        try {
            code = o.reportOnly != null ? report(o.reportOnly) : new Bench().run(o);
        } catch (Throwable t) {
            System.err.println("bench: the harness failed: " + t);
            t.printStackTrace();
            code = 2;
        }
        Proc.stopAll();
        System.exit(code);
    }

    static void log(String line) {
        System.out.println("[" + LocalTime.now().format(CLOCK) + "] " + line);
        System.out.flush();
    }

    /** The soft limit on open files of this process (children inherit it). */
    static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return 4096;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private int run(Options o) throws Exception {
        long started = System.nanoTime();
        Webhooks.selfTest();
        Files.createDirectories(o.out);
        Path logs = Files.createDirectories(o.out.resolve("logs"));
        Proc.pidFile(o.out.resolve(".pids"));
        Results results = new Results();
        results.options = o.asMap();
        List<String> systems = new ArrayList<>(o.systems);
        if (systems.contains("node-red") && o.nodeRedUnavailable != null) {
            systems.remove("node-red");
            String why = "node-red skipped: " + o.nodeRedUnavailable;
            results.skipped.add(why);
            log(why);
        }
        boolean anyCallBridge = systems.stream().anyMatch(Session::isCallBridge);
        Path tempRoot = Files.createTempDirectory("callbridge-bench-");
        // bench/run removes it if the harness is killed before it could
        Files.writeString(o.out.resolve(".tmpdir"), tempRoot + "\n");
        Path cbJar = null;
        if (anyCallBridge) {
            cbJar = snapshotCallBridge(o, tempRoot, results);
        }
        results.machine = Machine.describe(o);
        log("CallBridge load harness, " + o.mode + " run: systems " + String.join(",", systems) + ", " + o.rounds
                + " round(s), output " + o.out);
        log("machine: " + results.machine.get("cpuModel") + ", " + results.machine.get("nproc") + " cores, load "
                + results.machine.get("loadAverage"));
        results.notes.add("CallBridge runs with -Dcallbridge.call.ring-timeout=1h, so no ring times out during the run "
                + "(every ring stays a ringing call until its session ends).");
        results.notes.add("callbridge-embedded: devices connect to CallBridge's own embedded MQTT broker (HiveMQ CE), not "
                + "to Mosquitto; its CPU and memory include the broker's. The fleet speaks for many devices on each "
                + "connection, so they connect without signing in (-Dcallbridge.mqtt.embedded.anonymous-devices=true); "
                + "topic permissions are checked on every publish all the same.");
        results.notes.add("The harness's app accepts every call from one address with one token, so CallBridge runs "
                + "with its tokenapi rates per address and per token off (callbridge.limits.api-per-*-per-second=0), "
                + "and the embedded broker with no limit on connection attempts per address.");

        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4));
        String secret = Webhooks.newSecret();
        long fdLimit = openFilesLimit();
        int cap = (int) Math.max(256, Math.min(o.receiverMaxConnections, fdLimit - o.connections - 2000));
        results.notes.add("Open-files limit of this machine's processes: " + fdLimit + "; the webhook receiver closes "
                + "connections past " + cap + " at once (so that a system opening one connection per webhook cannot take "
                + "the harness's file descriptors); every such refusal is counted and flags the step.");
        WebhookReceiver receiver = new WebhookReceiver(vertx, freePort(), secret, 2, cap);
        vertx.exceptionHandler(t -> receiver.errors.incrementAndGet());
        HttpClient app = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout(2000).setIdleTimeout(30), new PoolOptions().setHttp1MaxSize(64).setMaxWaitQueueSize(-1));
        Path benchJar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Ctx ctx = new Ctx(o, vertx, receiver, app, secret, UUID.randomUUID().toString().substring(0, 6), tempRoot, logs,
                benchJar, javaBin, cbJar);
        Path resultsJson = o.out.resolve("results.json");
        try {
            for (int round = 1; round <= o.rounds; round++) {
                List<String> order = new ArrayList<>(systems);
                if (!order.isEmpty()) {
                    java.util.Collections.rotate(order, -((round - 1) % order.size()));
                }
                log("== round " + round + " of " + o.rounds + ": " + String.join(" → ", order));
                int position = 0;
                for (String system : order) {
                    Results.SystemRound sr = new Results.SystemRound();
                    sr.system = system;
                    sr.round = round;
                    sr.position = ++position;
                    results.rounds.add(sr);
                    runSystem(ctx, sr);
                    writeJson(resultsJson, results, started);
                }
            }
            if (o.startups > 0) {
                log("== start-up: " + o.startups + " start(s) per system, fresh data each time");
            }
            for (String system : o.startups > 0 ? systems : List.<String>of()) {
                results.startup.add(startups(ctx, system));
                writeJson(resultsJson, results, started);
            }
        } finally {
            Proc.stopAll();
            Session.deleteTree(tempRoot);
            Files.deleteIfExists(o.out.resolve(".tmpdir"));
        }
        if (o.smokeAssert) {
            results.smokeFailures.addAll(Smoke.check(results, systems));
        }
        writeJson(resultsJson, results, started);
        String md = Report.markdown(results, systems);
        Files.writeString(o.out.resolve("results.md"), md);
        try {
            Chart.draw(results, systems, o.out.resolve("latency-vs-load.png"));
        } catch (Exception | Error e) {
            log("could not draw the chart: " + e);
        }
        System.out.println();
        System.out.println(md);
        log("results in " + o.out + " (results.md, results.json, latency-vs-load.png, logs/)");
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            log("closing Vert.x: " + e);
        }
        if (!results.smokeFailures.isEmpty()) {
            log("SMOKE FAILED:");
            results.smokeFailures.forEach(f -> log("  - " + f));
            return 1;
        }
        if (o.smokeAssert) {
            log("smoke passed: every system delivered every ring");
        }
        return 0;
    }

    /** Writes results.md and the chart again from a results.json (--report DIR). */
    private static int report(Path dir) throws Exception {
        Results r = new ObjectMapper().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(dir.resolve("results.json").toFile(), Results.class);
        List<Integer> rates = new ArrayList<>();
        if (r.options.get("rates") instanceof List<?> l) {
            l.forEach(x -> rates.add(((Number) x).intValue()));
        }
        r.rounds.forEach(sr -> {
            if (sr.ladder != null) {
                Phases.sustain(sr.ladder, rates, r.options.get("sustainP99Ms") instanceof Number n ? n.doubleValue() : 100);
            }
        });
        List<String> systems = new ArrayList<>();
        r.rounds.forEach(sr -> {
            if (!systems.contains(sr.system)) {
                systems.add(sr.system);
            }
        });
        r.startup.forEach(st -> {
            if (!systems.contains(st.system)) {
                systems.add(st.system);
            }
        });
        String md = Report.markdown(r, systems);
        Files.writeString(dir.resolve("results.md"), md);
        Chart.draw(r, systems, dir.resolve("latency-vs-load.png"));
        System.out.println(md);
        return 0;
    }

    /** The phases of one system in one round, each on a fresh start. */
    private void runSystem(Ctx ctx, Results.SystemRound sr) {
        Options o = ctx.o;
        String sys = sr.system;
        log("-- " + sys + " (round " + sr.round + ")");
        phase(ctx, sr, "ladder", s -> {
            sr.ladder = Phases.ladder(s, sr.round);
            log("    sustained (p99 ≤ " + (int) o.sustainP99Ms + " ms, no loss): " + sr.ladder.sustainedRate + "/s"
                    + (sr.ladder.stoppedBecause != null ? "; stopped: " + sr.ladder.stoppedBecause : ""));
        });
        phase(ctx, sr, "burst", s -> {
            Results.Step w = Phases.warmup(s);
            sr.warmups.put("burst", w);
            log(String.format("    warm-up: lost %d of %d", w.lost, w.rings));
            sr.burst = Phases.burst(s, o.burst);
            Results.Burst b = sr.burst;
            log(String.format("    burst %d: webhooks %d, lost %d, replies %d, published in %s, last webhook at %s (%s)",
                    b.rings, b.webhooks, b.lost, b.replied, Report.ms(b.publishMs), Report.ms(b.lastWebhookMs), b.endedBy));
        });
        if (!Session.isCallBridge(sys)) {
            return;
        }
        phase(ctx, sr, "calls", s -> {
            Results.Step w = Phases.warmup(s);
            sr.warmups.put("calls", w);
            log(String.format("    warm-up: lost %d of %d", w.lost, w.rings));
            CallsRunner runner = new CallsRunner(s, o.callsConcurrency, o.callsCount);
            sr.calls = runner.run(o.callsWarmupSeconds, o.callsWindowSeconds);
            Results.Calls c = sr.calls;
            log(String.format("    whole calls (concurrency %d): %.1f/s, p50 %s p99 %s, completed %d, failed %d %s",
                    c.concurrency, c.callsPerSecond, Report.ms(c.p50Ms), Report.ms(c.p99Ms), c.completed, c.failed,
                    c.failures.isEmpty() ? "" : c.failures.toString()));
        });
        phase(ctx, sr, "memory", s -> {
            Results.Step w = Phases.warmup(s);
            sr.warmups.put("memory", w);
            log(String.format("    warm-up: lost %d of %d", w.lost, w.rings));
            int rate = o.memoryRate;
            if (rate <= 0) {
                int sustained = sr.ladder != null ? sr.ladder.sustainedRate : 0;
                rate = sustained > 0 ? Math.max(100, Math.min(2000, (int) (sustained * 0.8))) : 200;
            }
            sr.memory = Phases.memory(s, o.memoryCalls, rate);
            Results.Memory m = sr.memory;
            log(String.format("    memory: %d calls ringing at %d/s: heap %s → %s, %s per ringing call; RSS %s → %s",
                    m.calls, m.rate, Report.mib(m.heapBeforeBytes), Report.mib(m.heapAfterBytes),
                    Report.bytes(m.bytesPerRingingCall), Report.mib(m.rssBeforeBytes), Report.mib(m.rssAfterBytes)));
        });
    }

    interface PhaseBody {
        void run(Session s) throws Exception;
    }

    private void phase(Ctx ctx, Results.SystemRound sr, String phase, PhaseBody body) {
        if (!ctx.o.phases.contains(phase)) {
            return;
        }
        String label = sr.system + "-r" + sr.round + "-" + phase;
        Session s = null;
        Results.Session rs = new Results.Session();
        rs.label = label;
        rs.phase = phase;
        sr.sessions.add(rs);
        try {
            int conns = ctx.o.connections;
            s = Session.open(ctx, sr.system, label, conns);
            rs.startupMs = s.startupMs;
            rs.readiness = s.readiness;
            log(String.format("  %s: ready in %.0f ms (%s), %d device connections on port %d", phase, s.startupMs,
                    s.readiness, s.fleet.size(), s.mqttPort));
            body.run(s);
            String died = s.died();
            if (died != null) {
                sr.errors.put(phase, died);
                log("  " + phase + ": " + died);
            }
        } catch (Exception | Error e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            String died = s == null ? null : s.died();
            if (died != null) {
                msg = died + "\n(then: " + msg + ")";
            }
            sr.errors.put(phase, msg);
            log("  " + phase + " FAILED: " + msg);
        } finally {
            if (s != null) {
                rs.counters = s.tracker.counters();
                rs.sutRssBytesAtEnd = s.sutRss();
                rs.brokerRssBytesAtEnd = s.brokerRss();
                s.close();
                rs.logs = s.logs;
            }
        }
    }

    private Results.Startup startups(Ctx ctx, String system) {
        Results.Startup st = new Results.Startup();
        st.system = system;
        for (int i = 1; i <= ctx.o.startups; i++) {
            Session s = null;
            try {
                s = Session.open(ctx, system, system + "-startup" + i, 1);
                st.startupMs.add(s.startupMs);
                st.readiness = s.readiness;
            } catch (Exception | Error e) {
                st.errors.add(e.getMessage() == null ? e.toString() : e.getMessage());
            } finally {
                if (s != null) {
                    s.close();
                }
            }
        }
        st.medianMs = Stats.median(st.startupMs);
        log(String.format("  %s: median %.0f ms of %s (%s)%s", system, st.medianMs, st.startupMs, st.readiness,
                st.errors.isEmpty() ? "" : "; errors: " + st.errors));
        return st;
    }

    /**
     * Copies target/quarkus-app and routes/ together into one folder, CallBridge's working directory for the whole
     * run (it reads routes/*.yaml from there): a rebuild or a route edited during the run cannot change what is
     * measured half-way, nor pair a new route with an old jar.
     */
    private static Path snapshotCallBridge(Options o, Path tempRoot, Results results) throws IOException {
        if (!Files.exists(o.jar)) {
            throw new IllegalStateException(o.jar + " is missing: build it with ./mvnw -q package -DskipTests");
        }
        Path home = Files.createDirectories(tempRoot.resolve("callbridge"));
        copyTree(o.jar.getParent(), home.resolve("quarkus-app"));
        Path routes = o.callbridgeDir.resolve("routes");
        if (Files.isDirectory(routes)) {
            copyTree(routes, home.resolve("routes"));
            var jarTime = Files.getLastModifiedTime(o.jar.getParent().resolve("app"));
            try (var l = Files.list(routes)) {
                List<String> newer = l.filter(p -> {
                    try {
                        return Files.getLastModifiedTime(p).compareTo(jarTime) > 0;
                    } catch (IOException e) {
                        return false;
                    }
                }).map(p -> p.getFileName().toString()).toList();
                if (!newer.isEmpty()) {
                    String w = "routes edited after the jar was built (" + String.join(", ", newer)
                            + "): if CallBridge fails to start, rebuild it (bench/run --rebuild)";
                    results.notes.add("Warning: " + w + ".");
                    log("warning: " + w);
                }
            }
        }
        if (o.callbridgeCwd == null) {
            o.callbridgeCwd = home;
            results.notes.add("CallBridge ran from a copy of target/quarkus-app and routes/ taken when the run started "
                    + "(its working directory), so edits and rebuilds during the run did not change what was measured.");
        }
        return home.resolve("quarkus-app").resolve(o.jar.getFileName().toString());
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (var walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void writeJson(Path file, Results r, long started) {
        r.durationSeconds = (System.nanoTime() - started) / 1e9;
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), r);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log("could not write " + file + ": " + e);
        }
    }

    static String durationText(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }
}
