package io.callbridge.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the harness (Mosquitto, CallBridge, Node-RED, the forwarder), its output in a log file.
 * Every one is registered: a JVM shutdown hook stops those still running, and {@code bench/run} reads the pid
 * file to kill any that survive a harness killed hard (it checks that the pid's command line still holds the
 * marker, so it never touches a foreign process).
 */
final class Proc {

    private static final Set<Proc> RUNNING = ConcurrentHashMap.newKeySet();
    private static volatile Path pidFile;
    static final long CLK_TCK = clockTicks();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Proc::stopAll, "bench-stop-children"));
    }

    final String name;
    final Process process;
    final Path log;
    final long launchedNanos;

    private Proc(String name, Process process, Path log, long launchedNanos) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.launchedNanos = launchedNanos;
    }

    static void pidFile(Path file) {
        pidFile = file;
    }

    /** Starts {@code cmd}; {@code marker} is a string its command line contains (for bench/run's clean-up). */
    static Proc start(String name, List<String> cmd, Path cwd, Map<String, String> env, Path log, String marker)
            throws IOException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        Files.writeString(log, "# " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        long t0 = System.nanoTime();
        Process p = pb.start();
        Proc proc = new Proc(name, p, log, t0);
        RUNNING.add(proc);
        Path pf = pidFile;
        if (pf != null) {
            synchronized (Proc.class) {
                Files.writeString(pf, p.pid() + " " + marker + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
        return proc;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    boolean logContains(String text) {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL after {@code grace}; children of the process too. */
    void stop(Duration grace) {
        try {
            List<ProcessHandle> kids = new ArrayList<>(process.descendants().toList());
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    Bench.log("  " + name + " did not stop in " + grace.toSeconds() + " s: SIGKILL");
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            for (ProcessHandle k : kids) {
                if (k.isAlive()) {
                    k.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(this);
        }
    }

    static void stopAll() {
        for (Proc p : List.copyOf(RUNNING)) {
            p.process.destroy();
        }
        for (Proc p : List.copyOf(RUNNING)) {
            try {
                if (!p.process.waitFor(10, TimeUnit.SECONDS)) {
                    p.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.process.destroyForcibly();
            }
            RUNNING.remove(p);
        }
    }

    // ---- /proc readings -------------------------------------------------------------------------------------

    /** utime + stime of the process and its live descendants, in clock ticks; -1 if it is gone. */
    static long cpuTicks(long pid) {
        long self = ownTicks(pid);
        if (self < 0) {
            return -1;
        }
        long sum = self;
        var handle = ProcessHandle.of(pid);
        if (handle.isPresent()) {
            for (ProcessHandle d : handle.get().descendants().toList()) {
                long t = ownTicks(d.pid());
                if (t > 0) {
                    sum += t;
                }
            }
        }
        return sum;
    }

    static long ownTicks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after "(comm) ": f[0] is field 3 (state); utime is field 14, stime 15
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long selfTicks() {
        return ownTicks(ProcessHandle.current().pid());
    }

    /** Resident set size in bytes, or -1. */
    static long rssBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** {busy, total} ticks of the whole machine (all cores), from /proc/stat. */
    static long[] machineTicks() {
        try {
            String first = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = first.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    static double ticksToMs(long ticks) {
        return ticks * 1000.0 / CLK_TCK;
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }

    /** Runs a short command and returns its output (stdout and stderr), or the failure as text. */
    static String run(Duration timeout, String... cmd) {
        Path out = null;
        try {
            out = Files.createTempFile("bench-cmd", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return "(" + String.join(" ", cmd) + " timed out)";
            }
            return Files.readString(out, StandardCharsets.UTF_8).trim();
        } catch (Exception e) {
            return "(" + String.join(" ", cmd) + " failed: " + e.getMessage() + ")";
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // temp file
                }
            }
        }
    }
}
