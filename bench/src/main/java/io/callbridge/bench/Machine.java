package io.callbridge.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine and the versions a run measured. */
final class Machine {

    private Machine() {
    }

    static Map<String, Object> describe(Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        Duration t = Duration.ofSeconds(20);
        m.put("date", ZonedDateTime.now(ZoneOffset.UTC).toString());
        m.put("nproc", Proc.run(t, "nproc"));
        m.put("cpuModel", cpuModel());
        m.put("memTotal", memTotal());
        m.put("kernel", Proc.run(t, "uname", "-sr"));
        m.put("loadAverage", read("/proc/loadavg"));
        String java = ProcessHandle.current().info().command().orElse("java");
        m.put("java", Proc.run(t, java, "-version").replace('\n', ' '));
        m.put("node", Proc.run(t, o.node, "--version"));
        m.put("mosquitto", Proc.run(t, o.mosquitto, "-h").lines().findFirst().orElse("?"));
        try {
            String pkg = Files.readString(o.nodeRedDir.resolve("node_modules/node-red/package.json"));
            var v = Tracker.JSON.readTree(pkg).path("version").asText("?");
            m.put("nodeRed", v);
        } catch (Exception e) {
            m.put("nodeRed", "not installed");
        }
        m.put("callbridgeDir", o.callbridgeDir.toString());
        String commit = Proc.run(t, "git", "-C", o.callbridgeDir.toString(), "rev-parse", "--short", "HEAD");
        if (commit.startsWith("fatal") || commit.startsWith("(")) {
            m.put("callbridgeCommit", o.callbridgeDir + " (not a git checkout)");
            m.put("callbridgeWorkTree", "unknown");
        } else {
            m.put("callbridgeCommit", commit);
            String dirty = Proc.run(t, "git", "-C", o.callbridgeDir.toString(), "status", "--porcelain", "--", "src",
                    "routes", "pom.xml", "application.properties");
            m.put("callbridgeWorkTree", dirty.isBlank() ? "clean" : "uncommitted changes in src/routes/pom: "
                    + dirty.lines().count() + " file(s)");
        }
        try {
            m.put("callbridgeJarBuilt", Files.getLastModifiedTime(o.jar.getParent().resolve("app")).toString());
        } catch (Exception e) {
            m.put("callbridgeJarBuilt", "?");
        }
        return m;
    }

    private static String cpuModel() {
        for (String line : read("/proc/cpuinfo").split("\n")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "?";
    }

    private static String memTotal() {
        for (String line : read("/proc/meminfo").split("\n")) {
            if (line.startsWith("MemTotal:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
            }
        }
        return "?";
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (Exception e) {
            return "?";
        }
    }
}
