package io.callbridge.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The measurements that ring: open-loop rate steps, the burst, the memory reading. */
final class Phases {

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-snapshots");
        t.setDaemon(true);
        return t;
    });

    private Phases() {
    }

    /** What an open-loop run sent: the measured rings and the CPU readings at the window's edges. */
    static final class Run {
        final List<Ring> measured = new ArrayList<>();
        long windowStartNs;
        long windowEndNs;
        Session.Snap before;
        Session.Snap after;
        long rss;
        long refused0;
        long errors0;
    }

    /**
     * Sends {@code warm + measured} rings at {@code rate}/s: ring i is due at t0 + i/rate, whatever happened to
     * the ones before it (open loop, so a slow system cannot slow the schedule down: no coordinated omission).
     * Consecutive rings go to consecutive connections. The CPU readings are taken at the window's edges.
     */
    static Run openLoop(Session s, double rate, long warm, long measured, String prefix, int tag) throws Exception {
        Fleet f = s.fleet;
        int n = f.size();
        Run run = new Run();
        run.refused0 = s.ctx.receiver.refused.get();
        run.errors0 = s.ctx.receiver.errors.get();
        s.ctx.receiver.maxOpen.set(0);
        double interval = 1e9 / rate;
        long total = warm + measured;
        long t0 = System.nanoTime() + 20_000_000L;
        run.windowStartNs = t0 + (long) (warm * interval);
        run.windowEndNs = t0 + (long) (total * interval);
        ScheduledFuture<Session.Snap> before = TIMER.schedule(s::snap, run.windowStartNs - System.nanoTime(), TimeUnit.NANOSECONDS);
        ScheduledFuture<Session.Snap> after = TIMER.schedule(s::snap, run.windowEndNs - System.nanoTime(), TimeUnit.NANOSECONDS);
        String user = s.ctx.o.user;
        for (long i = 0; i < total; i++) {
            long intended = t0 + (long) (i * interval);
            long d;
            while ((d = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(d);
            }
            int conn = (int) (i % n);
            String name = prefix + i;
            String device = f.product(conn) + "/" + name;
            Ring r = s.tracker.add(new Ring(device, "t" + s.sessionId + prefix + i, intended, i < warm ? Ring.WARMUP : tag));
            if (i >= warm) {
                run.measured.add(r);
            }
            r.sentNs = System.nanoTime();
            f.publish(conn, name, Msgs.report(r.token, System.currentTimeMillis(), 1, user, device)).whenComplete((p, e) -> {
                if (e != null) {
                    s.tracker.publishErrors.increment();
                } else {
                    r.ackNs = System.nanoTime();
                }
            });
        }
        run.before = before.get(60, TimeUnit.SECONDS);
        run.after = after.get(60, TimeUnit.SECONDS);
        run.rss = s.sutRss();
        return run;
    }

    /** Waits until every ring arrived, or {@code until} (System.nanoTime) passed. */
    static void awaitArrivals(Session s, List<Ring> rings, long until) throws InterruptedException {
        boolean replies = !s.system.equals("broker");
        int k = 0;
        while (System.nanoTime() < until) {
            while (k < rings.size() && rings.get(k).arrived() && (!replies || rings.get(k).replies() > 0)) {
                k++;
            }
            if (k == rings.size()) {
                return;
            }
            Thread.sleep(20);
        }
    }

    /** Waits until every ring arrived, or nothing arrived for {@code quiet}, or {@code cap} passed; says which. */
    static String awaitQuiet(Session s, List<Ring> rings, long sinceNs, Duration quiet, Duration cap)
            throws InterruptedException {
        long capAt = System.nanoTime() + cap.toNanos();
        boolean replies = !s.system.equals("broker");
        int k = 0;
        while (true) {
            while (k < rings.size() && rings.get(k).arrived() && (!replies || rings.get(k).replies() > 0)) {
                k++;
            }
            if (k == rings.size()) {
                boolean all = true;
                for (Ring r : rings) {
                    if (!r.arrived() || (replies && r.replies() == 0)) {
                        all = false;
                        break;
                    }
                }
                if (all) {
                    return replies ? "all webhooks and replies arrived" : "all arrived";
                }
            }
            long now = System.nanoTime();
            long last = Math.max(sinceNs, Math.max(s.tracker.lastArrivalNs.get(), s.tracker.lastReplyNs.get()));
            if (now - last > quiet.toNanos()) {
                return "nothing new for " + quiet.toSeconds() + " s";
            }
            if (now > capAt) {
                return "gave up after " + cap.toMinutes() + " min";
            }
            if (!s.alive()) {
                return "the system's process exited";
            }
            Thread.sleep(50);
        }
    }

    static Results.Step evaluate(Session s, Run run, double rate, double failP99, double failLoss, double sustainP99) {
        Results.Step st = new Results.Step();
        st.rate = (int) Math.round(rate);
        List<Ring> rings = run.measured;
        int n = rings.size();
        st.rings = n;
        double[] lat = new double[n];
        double[] lag = new double[n];
        long firstSent = Long.MAX_VALUE;
        long lastSent = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            Ring r = rings.get(i);
            lat[i] = r.latencyMs();
            lag[i] = (r.sentNs - r.intendedNs) / 1e6;
            firstSent = Math.min(firstSent, r.sentNs);
            lastSent = Math.max(lastSent, r.sentNs);
            if (r.arrived()) {
                st.arrived++;
            }
            if (r.replies() > 0) {
                st.replied++;
            }
            st.replyNonZero += r.badReplies();
            st.duplicateWebhooks += Math.max(0, r.arrivals() - 1);
        }
        st.lost = n - st.arrived;
        st.lossPct = n == 0 ? 0 : 100.0 * st.lost / n;
        double[] sl = Stats.sorted(lat);
        st.p50Ms = Stats.percentile(sl, 0.50);
        st.p90Ms = Stats.percentile(sl, 0.90);
        st.p99Ms = Stats.percentile(sl, 0.99);
        st.maxMs = n == 0 ? Double.NaN : sl[n - 1];
        double[] sg = Stats.sorted(lag);
        st.sendLagP50Ms = Stats.percentile(sg, 0.50);
        st.sendLagP99Ms = Stats.percentile(sg, 0.99);
        st.sendLagMaxMs = n == 0 ? Double.NaN : sg[n - 1];
        st.achievedRate = n > 1 ? (n - 1) / ((lastSent - firstSent) / 1e9) : rate;
        st.receiverRefused = s.ctx.receiver.refused.get() - run.refused0;
        st.receiverErrors = s.ctx.receiver.errors.get() - run.errors0;
        st.receiverMaxOpen = s.ctx.receiver.maxOpen.get();
        st.harnessLimited = st.sendLagP99Ms > 20 || st.achievedRate < 0.95 * rate || st.receiverErrors > 0
                || st.receiverRefused > 0;
        st.windowSeconds = (run.windowEndNs - run.windowStartNs) / 1e9;
        cpu(s, st, run.before, run.after, n);
        st.sutRssBytes = run.rss;
        st.failed = st.p99Ms > failP99 || st.lossPct > failLoss;
        st.sustainOk = st.p99Ms <= sustainP99 && st.lost == 0;
        return st;
    }

    static void cpu(Session s, Results.Step st, Session.Snap a, Session.Snap b, int rings) {
        double windowMs = (b.nanos() - a.nanos()) / 1e6;
        double sut = Proc.ticksToMs(b.sut() - a.sut());
        double broker = s.system.equals("broker") ? 0 : Proc.ticksToMs(b.broker() - a.broker());
        double harness = Proc.ticksToMs(b.harness() - a.harness());
        double busy = Proc.ticksToMs(b.machineBusy() - a.machineBusy());
        st.sutCpuUsPerRing = rings == 0 ? Double.NaN : sut * 1000 / rings;
        st.brokerCpuUsPerRing = rings == 0 || !Session.externalBroker(s.system) || s.system.equals("broker")
                ? Double.NaN : broker * 1000 / rings;
        st.harnessCpuUsPerRing = rings == 0 ? Double.NaN : harness * 1000 / rings;
        st.sutCpuPct = 100 * sut / windowMs;
        st.brokerCpuPct = 100 * broker / windowMs;
        st.harnessCpuPct = 100 * harness / windowMs;
        st.machineBusyPct = 100 * busy / windowMs;
        st.othersCpuPct = Math.max(0, 100 * (busy - sut - broker - harness) / windowMs);
    }

    /** The warm-up every fresh start gets before it is measured (the JIT needs it): rings, then a drain. */
    static Results.Step warmup(Session s) throws Exception {
        Options o = s.ctx.o;
        long count = Math.max(1, Math.round(o.warmupRate * o.warmupSeconds));
        Run run = openLoop(s, o.warmupRate, 0, count, "w", Ring.WARMUP);
        awaitArrivals(s, run.measured, run.windowEndNs + secondsNs(Math.max(o.graceSeconds, 5)));
        Results.Step st = evaluate(s, run, o.warmupRate, o.failP99Ms, o.failLossPct, o.sustainP99Ms);
        st.kind = "warmup";
        return st;
    }

    /** Fixed offered rates, climbing until the system clearly fails. */
    static Results.Ladder ladder(Session s, int round) throws Exception {
        Options o = s.ctx.o;
        Results.Ladder l = new Results.Ladder();
        l.warmup = warmup(s);
        Bench.log(String.format("    warm-up %d/s for %.0f s: lost %d, p99 %s", o.warmupRate, o.warmupSeconds,
                l.warmup.lost, Report.ms(l.warmup.p99Ms)));
        double idle = Math.min(3, Math.max(1, o.windowSeconds));
        Session.Snap i0 = s.snap();
        Thread.sleep((long) (idle * 1000));
        Session.Snap i1 = s.snap();
        Results.Step is = new Results.Step();
        cpu(s, is, i0, i1, 0);
        l.idleSeconds = idle;
        l.idleSutCpuPct = is.sutCpuPct;
        l.idleBrokerCpuPct = s.system.equals("broker") || !Session.externalBroker(s.system) ? Double.NaN : is.brokerCpuPct;
        Bench.log(String.format("    idle for %.0f s: system %.0f%% of a core, broker %s", idle, l.idleSutCpuPct,
                Double.isNaN(l.idleBrokerCpuPct) ? "–" : String.format("%.0f%%", l.idleBrokerCpuPct)));
        List<Run> runs = new ArrayList<>();
        int stepNo = 0;
        for (int rate : o.rates) {
            stepNo++;
            long warm = Math.round(rate * o.stepWarmupSeconds);
            long measured = Math.max(1, Math.round(rate * o.windowSeconds));
            Run run = openLoop(s, rate, warm, measured, "r" + round + "s" + stepNo + "n", Ring.MEASURED);
            awaitArrivals(s, run.measured, run.windowEndNs + secondsNs(o.graceSeconds));
            Results.Step st = evaluate(s, run, rate, o.failP99Ms, o.failLossPct, o.sustainP99Ms);
            runs.add(run);
            l.steps.add(st);
            Bench.log(String.format("    %5d/s: p50 %s p99 %s max %s lost %d/%d replies %d  cpu sut %.0f%% broker %.0f%% "
                            + "harness %.0f%% others %.0f%%  send lag p99 %.1f ms%s",
                    rate, Report.ms(st.p50Ms), Report.ms(st.p99Ms), Report.ms(st.maxMs), st.lost, st.rings, st.replied,
                    st.sutCpuPct, st.brokerCpuPct, st.harnessCpuPct, st.othersCpuPct, st.sendLagP99Ms,
                    st.harnessLimited ? "  HARNESS-LIMITED" : ""));
            if (!s.alive()) {
                l.stoppedBecause = "the system's process exited at " + rate + "/s";
                st.failed = true;
                break;
            }
            if (st.failed) {
                l.stoppedBecause = String.format("failed at %d/s (p99 %s, loss %.1f%%)", rate, Report.ms(st.p99Ms), st.lossPct);
                break;
            }
        }
        // Rings counted lost that still came before the end: very late rather than gone.
        for (int i = 0; i < runs.size(); i++) {
            long graceEnd = runs.get(i).windowEndNs + secondsNs(o.graceSeconds);
            long late = 0;
            for (Ring r : runs.get(i).measured) {
                if (r.arrived() && r.arrivedNs() > graceEnd) {
                    late++;
                }
            }
            l.steps.get(i).arrivedAfterGrace = late;
        }
        sustain(l, o.rates, o.sustainP99Ms);
        return l;
    }

    /** The sustained rate of a ladder: the highest step with p99 within bound and no loss, every lower one passing. */
    static void sustain(Results.Ladder l, List<Integer> rates, double sustainP99) {
        // A step that failed only because the harness could not send on time (nothing lost, and p99 within the
        // bound once the harness's own send lag is taken off) says nothing about the system: it neither counts for
        // the sustained rate nor ends it.
        int sustained = 0;
        boolean limited = false;
        List<String> inconclusive = new ArrayList<>();
        for (Results.Step st : l.steps) {
            if (st.sustainOk) {
                sustained = st.rate;
                limited |= st.harnessLimited;
            } else if (st.harnessLimited && st.lost == 0 && st.p99Ms - st.sendLagP99Ms <= sustainP99) {
                inconclusive.add(st.rate + "/s");
            } else {
                break;
            }
        }
        l.sustainedRate = sustained;
        if (!inconclusive.isEmpty()) {
            l.sustainedNote = "harness-limited, not counted: " + String.join(", ", inconclusive);
        } else if (limited) {
            l.sustainedNote = "a step up to it was harness-limited";
        } else if (sustained > 0 && !rates.isEmpty() && sustained == rates.get(rates.size() - 1) && l.stoppedBecause == null) {
            l.sustainedNote = "highest step offered: the real limit is higher";
        }
    }

    /** Rings as fast as the connections take them; then waits for everything, or for nothing new. */
    static Results.Burst burst(Session s, int count) throws Exception {
        Options o = s.ctx.o;
        Fleet f = s.fleet;
        int n = f.size();
        Results.Burst b = new Results.Burst();
        b.rings = count;
        List<Ring> rings = new ArrayList<>(count);
        AtomicLong done = new AtomicLong();
        AtomicLong lastAck = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long refused0 = s.ctx.receiver.refused.get();
        long errors0 = s.ctx.receiver.errors.get();
        s.ctx.receiver.maxOpen.set(0);
        Session.Snap before = s.snap();
        long t0 = System.nanoTime();
        List<CompletableFuture<?>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int conn = i % n;
            String name = "b" + i;
            String device = f.product(conn) + "/" + name;
            Ring r = s.tracker.add(new Ring(device, "t" + s.sessionId + "b" + i, t0, Ring.MEASURED));
            rings.add(r);
            r.sentNs = System.nanoTime();
            futures.add(f.publish(conn, name, Msgs.report(r.token, System.currentTimeMillis(), 1, o.user, device))
                    .whenComplete((p, e) -> {
                        long now = System.nanoTime();
                        if (e != null) {
                            errors.incrementAndGet();
                        } else {
                            r.ackNs = now;
                            lastAck.accumulateAndGet(now, Math::max);
                        }
                        done.incrementAndGet();
                    }));
        }
        long enqueued = System.nanoTime();
        b.enqueueMs = (enqueued - t0) / 1e6;
        long ackDeadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (done.get() < count && System.nanoTime() < ackDeadline && s.alive()) {
            Thread.sleep(10);
        }
        b.publishErrors = errors.get() + (count - done.get());
        b.publishMs = lastAck.get() == 0 ? Double.NaN : (lastAck.get() - t0) / 1e6;
        b.endedBy = awaitQuiet(s, rings, Math.max(enqueued, lastAck.get()), secondsD(o.quietSeconds), Duration.ofMinutes(15));
        Session.Snap after = s.snap();
        b.receiverRefused = s.ctx.receiver.refused.get() - refused0;
        b.receiverErrors = s.ctx.receiver.errors.get() - errors0;
        b.receiverMaxOpen = s.ctx.receiver.maxOpen.get();
        double[] lat = new double[count];
        long first = Long.MAX_VALUE;
        long last = 0;
        for (int i = 0; i < count; i++) {
            Ring r = rings.get(i);
            lat[i] = r.latencyMs();
            if (r.arrived()) {
                b.webhooks++;
                first = Math.min(first, r.arrivedNs());
                last = Math.max(last, r.arrivedNs());
            }
            if (r.replies() > 0) {
                b.replied++;
            }
            b.replyNonZero += r.badReplies();
        }
        b.lost = count - b.webhooks;
        b.firstWebhookMs = b.webhooks == 0 ? Double.NaN : (first - t0) / 1e6;
        b.lastWebhookMs = b.webhooks == 0 ? Double.NaN : (last - t0) / 1e6;
        b.webhooksPerSecond = b.webhooks == 0 ? 0 : b.webhooks / (b.lastWebhookMs / 1000);
        double[] sl = Stats.sorted(lat);
        b.p50Ms = Stats.percentile(sl, 0.5);
        b.p99Ms = Stats.percentile(sl, 0.99);
        Results.Step cpu = new Results.Step();
        cpu(s, cpu, before, after, count);
        b.sutCpuUsPerRing = cpu.sutCpuUsPerRing;
        b.brokerCpuUsPerRing = cpu.brokerCpuUsPerRing;
        b.harnessCpuUsPerRing = cpu.harnessCpuUsPerRing;
        b.sutRssBytes = s.sutRss();
        b.brokerRssBytes = s.brokerRss();
        return b;
    }

    /** Heap used after a full GC, per (after − before) / calls, with {@code calls} new calls ringing. */
    static Results.Memory memory(Session s, int calls, int rate) throws Exception {
        Options o = s.ctx.o;
        Results.Memory m = new Results.Memory();
        m.calls = calls;
        m.rate = rate;
        long pid = s.jvmPid();
        m.heapBeforeBytes = heapAfterGc(pid);
        m.rssBeforeBytes = s.sutRss();
        Run run = openLoop(s, rate, 0, calls, "m", Ring.MEASURED);
        awaitQuiet(s, run.measured, run.windowEndNs, secondsD(o.quietSeconds), Duration.ofMinutes(10));
        for (Ring r : run.measured) {
            if (r.arrived()) {
                m.arrived++;
            }
        }
        m.heapAfterBytes = heapAfterGc(pid);
        m.rssAfterBytes = s.sutRss();
        m.bytesPerRingingCall = m.heapBeforeBytes < 0 || m.heapAfterBytes < 0 ? Double.NaN
                : (double) (m.heapAfterBytes - m.heapBeforeBytes) / calls;
        m.gcNote = "jcmd GC.run (twice), then GC.heap_info";
        if (m.arrived < calls) {
            m.gcNote += "; only " + m.arrived + " of " + calls + " webhooks arrived";
        }
        return m;
    }

    private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])");

    /** Heap in use after {@code jcmd GC.run}: the sum of the heap lines of GC.heap_info (any collector). */
    static long heapAfterGc(long pid) {
        Proc.run(Duration.ofSeconds(60), "jcmd", Long.toString(pid), "GC.run");
        Proc.run(Duration.ofSeconds(60), "jcmd", Long.toString(pid), "GC.run");
        String info = Proc.run(Duration.ofSeconds(30), "jcmd", Long.toString(pid), "GC.heap_info");
        long sum = 0;
        boolean any = false;
        for (String line : info.split("\n")) {
            if (line.contains("Metaspace") || line.contains("class space")) {
                break;
            }
            if (!line.contains("total") && !line.contains("ZHeap")) {
                continue;
            }
            Matcher mm = USED.matcher(line);
            if (mm.find()) {
                long v = Long.parseLong(mm.group(1));
                sum += switch (mm.group(2)) {
                    case "K" -> v << 10;
                    case "M" -> v << 20;
                    default -> v << 30;
                };
                any = true;
            }
        }
        if (!any) {
            Bench.log("    could not read the heap: " + info.replace('\n', ' '));
            return -1;
        }
        return sum;
    }

    static long secondsNs(double s) {
        return (long) (s * 1e9);
    }

    static Duration secondsD(double s) {
        return Duration.ofMillis((long) (s * 1000));
    }
}
