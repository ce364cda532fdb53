package io.callbridge.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Command-line options; {@code --quick} and {@code --smoke} are presets that later options override. */
final class Options {

    static final List<String> ALL_SYSTEMS = List.of("broker", "forwarder", "node-red", "callbridge",
            "callbridge-embedded", "callbridge-pg");

    String mode = "full";
    List<String> systems;
    /** Phases to run per system and round (ladder, burst, calls, memory); start-ups are --startups. */
    List<String> phases = List.of("ladder", "burst", "calls", "memory");
    int rounds = 3;
    List<Integer> rates = List.of(200, 500, 1000, 1500, 2000, 3000, 4000, 6000);
    Path out;
    int connections = 1000;
    double warmupSeconds = 15;
    int warmupRate = 200;
    double stepWarmupSeconds = 3;
    double windowSeconds = 10;
    double graceSeconds = 5;
    double failP99Ms = 1000;
    double failLossPct = 5;
    double sustainP99Ms = 100;
    int burst = 50_000;
    double quietSeconds = 20;
    int callsConcurrency = 1000;
    /** Whole calls/s is a capacity: measured once C2 has compiled the call path (about a minute on 2 cores). */
    double callsWarmupSeconds = 60;
    double callsWindowSeconds = 20;
    int callsCount = 0;
    double callTimeoutSeconds = 15;
    int memoryCalls = 10_000;
    int memoryRate = 0;
    int startups = 5;
    int receiverMaxConnections = 12_000;
    String user = "20001";
    List<String> callbridgeOpts = new ArrayList<>();
    List<String> forwarderOpts = new ArrayList<>();
    String pgUrl;
    String pgUser = "postgres";
    String pgPassword = "postgres";
    Path mainDir = Path.of("/work/main");
    Path jar;
    Path callbridgeCwd;
    Path callbridgeDir;
    Path benchDir;
    Path nodeRedDir;
    String nodeRedUnavailable;
    String mosquitto = "/usr/sbin/mosquitto";
    String node = "node";
    boolean smokeAssert;
    Path reportOnly;

    static Options parse(String[] args) {
        Options o = new Options();
        List<String> a = new ArrayList<>(Arrays.asList(args));
        // presets first, so that explicit options after them win wherever they stand
        if (a.contains("--smoke")) {
            o.smoke();
        } else if (a.contains("--quick")) {
            o.quick();
        }
        for (int i = 0; i < a.size(); i++) {
            String k = a.get(i);
            if (k.equals("--smoke") || k.equals("--quick") || k.equals("--full")) {
                continue;
            }
            if (k.equals("-h") || k.equals("--help")) {
                throw new UsageException(null);
            }
            if (!k.startsWith("--") || i + 1 >= a.size()) {
                throw new UsageException("unknown or incomplete option: " + k);
            }
            String v = a.get(++i);
            try {
                switch (k) {
                    case "--systems" -> o.systems = List.of(v.split(","));
                    case "--phases" -> o.phases = List.of(v.split(","));
                    case "--report" -> o.reportOnly = Path.of(v);
                    case "--rounds" -> o.rounds = Integer.parseInt(v);
                    case "--rates" -> o.rates = Arrays.stream(v.split(",")).map(String::trim).map(Integer::valueOf).toList();
                    case "--out" -> o.out = Path.of(v);
                    case "--connections" -> o.connections = Integer.parseInt(v);
                    case "--warmup" -> o.warmupSeconds = Double.parseDouble(v);
                    case "--warmup-rate" -> o.warmupRate = Integer.parseInt(v);
                    case "--step-warmup" -> o.stepWarmupSeconds = Double.parseDouble(v);
                    case "--window" -> o.windowSeconds = Double.parseDouble(v);
                    case "--grace" -> o.graceSeconds = Double.parseDouble(v);
                    case "--fail-p99-ms" -> o.failP99Ms = Double.parseDouble(v);
                    case "--fail-loss-pct" -> o.failLossPct = Double.parseDouble(v);
                    case "--sustain-p99-ms" -> o.sustainP99Ms = Double.parseDouble(v);
                    case "--burst" -> o.burst = Integer.parseInt(v);
                    case "--quiet" -> o.quietSeconds = Double.parseDouble(v);
                    case "--calls-concurrency" -> o.callsConcurrency = Integer.parseInt(v);
                    case "--calls-warmup" -> o.callsWarmupSeconds = Double.parseDouble(v);
                    case "--calls-window" -> o.callsWindowSeconds = Double.parseDouble(v);
                    case "--calls-count" -> o.callsCount = Integer.parseInt(v);
                    case "--call-timeout" -> o.callTimeoutSeconds = Double.parseDouble(v);
                    case "--memory-calls" -> o.memoryCalls = Integer.parseInt(v);
                    case "--memory-rate" -> o.memoryRate = Integer.parseInt(v);
                    case "--startups" -> o.startups = Integer.parseInt(v);
                    case "--receiver-max-connections" -> o.receiverMaxConnections = Integer.parseInt(v);
                    case "--user" -> o.user = v;
                    case "--callbridge-opts" -> o.callbridgeOpts = splitOpts(v);
                    case "--forwarder-opts" -> o.forwarderOpts = splitOpts(v);
                    case "--pg-url" -> o.pgUrl = v;
                    case "--pg-user" -> o.pgUser = v;
                    case "--pg-password" -> o.pgPassword = v;
                    case "--main-dir" -> o.mainDir = Path.of(v);
                    case "--jar" -> o.jar = Path.of(v);
                    case "--callbridge-cwd" -> o.callbridgeCwd = Path.of(v);
                    case "--callbridge-dir" -> o.callbridgeDir = Path.of(v);
                    case "--bench-dir" -> o.benchDir = Path.of(v);
                    case "--node-red-dir" -> o.nodeRedDir = Path.of(v);
                    case "--node-red-unavailable" -> o.nodeRedUnavailable = v;
                    case "--mosquitto" -> o.mosquitto = v;
                    case "--node" -> o.node = v;
                    default -> throw new UsageException("unknown option: " + k);
                }
            } catch (NumberFormatException e) {
                throw new UsageException("bad number for " + k + ": " + v);
            }
        }
        if (o.systems == null) {
            o.systems = new ArrayList<>(List.of("broker", "forwarder", "node-red", "callbridge", "callbridge-embedded"));
            if (o.pgUrl != null) {
                o.systems.add("callbridge-pg");
            }
        }
        for (String s : o.systems) {
            if (!ALL_SYSTEMS.contains(s)) {
                throw new UsageException("unknown system " + s + " (known: " + String.join(",", ALL_SYSTEMS) + ")");
            }
        }
        if (o.systems.contains("callbridge-pg") && o.pgUrl == null) {
            throw new UsageException("callbridge-pg needs --pg-url jdbc:postgresql://host:port/db");
        }
        if (o.callbridgeDir == null) {
            o.callbridgeDir = o.mainDir;
        }
        if (o.jar == null) {
            o.jar = o.callbridgeDir.resolve("target/quarkus-app/quarkus-run.jar");
        }
        if (o.benchDir == null) {
            o.benchDir = o.mainDir.resolve("bench");
        }
        if (o.nodeRedDir == null) {
            o.nodeRedDir = o.benchDir.resolve("node-red");
        }
        if (o.out == null) {
            String ts = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC)
                    .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
            o.out = o.benchDir.resolve("out").resolve(ts);
        }
        return o;
    }

    private void quick() {
        mode = "quick";
        rounds = 1;
        rates = List.of(200, 500, 1000, 2000, 4000);
        warmupSeconds = 10;
        stepWarmupSeconds = 2;
        windowSeconds = 5;
        graceSeconds = 3;
        burst = 20_000;
        quietSeconds = 10;
        callsConcurrency = 500;
        callsWarmupSeconds = 5;
        callsWindowSeconds = 10;
        memoryCalls = 10_000;
        startups = 3;
    }

    private void smoke() {
        mode = "smoke";
        smokeAssert = true;
        rounds = 1;
        rates = List.of(50);
        connections = 50;
        warmupSeconds = 1;
        warmupRate = 50;
        stepWarmupSeconds = 0;
        windowSeconds = 2;
        graceSeconds = 10;
        burst = 500;
        quietSeconds = 10;
        callsConcurrency = 5;
        callsCount = 20;
        memoryCalls = 200;
        memoryRate = 100;
        startups = 1;
    }

    static List<String> splitOpts(String v) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (char c : v.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (cur.length() > 0 || any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
            }
        }
        if (cur.length() > 0 || any) {
            out.add(cur.toString());
        }
        return out;
    }

    Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode);
        m.put("systems", systems);
        m.put("phases", phases);
        m.put("rounds", rounds);
        m.put("rates", rates);
        m.put("connections", connections);
        m.put("warmupSeconds", warmupSeconds);
        m.put("warmupRate", warmupRate);
        m.put("stepWarmupSeconds", stepWarmupSeconds);
        m.put("windowSeconds", windowSeconds);
        m.put("graceSeconds", graceSeconds);
        m.put("failP99Ms", failP99Ms);
        m.put("failLossPct", failLossPct);
        m.put("sustainP99Ms", sustainP99Ms);
        m.put("burst", burst);
        m.put("quietSeconds", quietSeconds);
        m.put("callsConcurrency", callsConcurrency);
        m.put("callsWarmupSeconds", callsWarmupSeconds);
        m.put("callsWindowSeconds", callsWindowSeconds);
        m.put("callsCount", callsCount);
        m.put("callTimeoutSeconds", callTimeoutSeconds);
        m.put("memoryCalls", memoryCalls);
        m.put("memoryRate", memoryRate == 0 ? "auto" : memoryRate);
        m.put("startups", startups);
        m.put("receiverMaxConnections", receiverMaxConnections);
        m.put("user", user);
        m.put("callbridgeOpts", callbridgeOpts);
        m.put("forwarderOpts", forwarderOpts);
        m.put("pgUrl", pgUrl);
        m.put("jar", jar.toString());
        m.put("callbridgeDir", callbridgeDir.toString());
        return m;
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    static String usage() {
        return """
                bench/run [--quick|--smoke] [--systems a,b,...] [--rounds N] [--rates r1,r2,...] [--out DIR] [options]

                  --smoke: CI, seconds per system, fails on any lost ring; --quick: 1 round, ~11 min; default: full, ~1 h
                  --rebuild              (bench/run) rebuild CallBridge's jar and the harness first
                  systems: broker, forwarder, node-red, callbridge, callbridge-embedded, callbridge-pg (needs --pg-url)
                  --phases a,b,...       ladder, burst, calls, memory (all); --startups 0 skips the start-ups
  --connections N        device connections (default 1000; smoke 50)
                  --warmup S --warmup-rate R   warm-up of every fresh start (15 s at 200/s)
                  --step-warmup S --window S --grace S   per rate step (3, 10, 5)
                  --fail-p99-ms MS --fail-loss-pct P     stop climbing (1000 ms, 5 %)
                  --sustain-p99-ms MS    p99 bound of the sustained rate (100)
                  --burst N --quiet S    burst size (50000) and "nothing new" wait (20 s)
                  --calls-concurrency N --calls-warmup S --calls-window S --calls-count N --call-timeout S
                  --memory-calls N --memory-rate R   ringing calls held for the memory reading (10000; rate auto)
                  --startups N           starts measured per system (5)
                  --receiver-max-connections N   the webhook receiver closes connections past N (12000), so that
                                         a system opening one per webhook cannot take the harness's file descriptors
                  --callbridge-opts "..." extra JVM options / -D properties for CallBridge
                  --forwarder-opts "..."  extra JVM options for the forwarder
                  --pg-url jdbc:postgresql://127.0.0.1:5432/db --pg-user U --pg-password P
                  --user ID              the app user the devices ring (20001)
                  --report DIR           only write DIR/results.md and the chart again from DIR/results.json
                  --callbridge-dir DIR   another CallBridge checkout to measure (its target/quarkus-app and routes/)
                  --callbridge-cwd DIR   CallBridge's working directory (default: a copy of routes/ and the jar
                                         taken at the start of the run; /work/main to use the live routes/)
                """;
    }
}
