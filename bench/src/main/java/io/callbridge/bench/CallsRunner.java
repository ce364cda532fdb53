package io.callbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Whole calls, closed loop: each of {@code concurrency} devices rings; on {@code call.ringing} the app accepts
 * with AppControlDeviceData; on the {@code control} the device answers control_reply (as the SDKs do) and
 * reports 2; on that report's reply it reports 0; {@code call.ended} (HANGUP) completes the call, and the device
 * rings again. A call stuck longer than the call timeout fails, and its slot moves on to a fresh device id.
 */
final class CallsRunner {

    private enum Stage { RINGING, ANSWERING, CONNECTING, HANGING_UP, IDLE }

    private final Session s;
    private final Options o;
    private final long timeoutNs;
    private volatile boolean starting = true;
    private final AtomicLong startBudget;
    private final boolean budgeted;
    final AtomicLong started = new AtomicLong();
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    final Map<String, LongAdder> reasons = new ConcurrentHashMap<>();
    /** {endNs, durationNs} of every completed call. */
    final List<long[]> done = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    private final AtomicLong requestIds = new AtomicLong();

    CallsRunner(Session s, int concurrency, long maxCalls) {
        this.s = s;
        this.o = s.ctx.o;
        this.timeoutNs = (long) (o.callTimeoutSeconds * 1e9);
        this.startBudget = new AtomicLong(maxCalls <= 0 ? Long.MAX_VALUE : maxCalls);
        this.budgeted = maxCalls > 0;
        for (int i = 0; i < concurrency; i++) {
            slots.add(new Slot(i));
        }
    }

    private final class Slot implements Tracker.CallListener {
        final int index;
        final int conn;
        int generation;
        String name;
        String device;
        Stage stage = Stage.IDLE;
        long callStartNs;
        long stageNs;
        long lastTs;
        String tokenConnected;
        int seq;

        Slot(int index) {
            this.index = index;
            this.conn = index % s.fleet.size();
            rename();
        }

        private void rename() {
            if (device != null) {
                s.tracker.calls.remove(device);
            }
            name = "c" + s.sessionId + "x" + index + "g" + generation;
            device = s.fleet.product(conn) + "/" + name;
            s.tracker.calls.put(device, this);
        }

        private long ts() {
            lastTs = Math.max(System.currentTimeMillis(), lastTs + 1);
            return lastTs;
        }

        private void report(String token, int status) {
            s.fleet.publish(conn, name, Msgs.report(token, ts(), status, o.user, device)).whenComplete((p, e) -> {
                if (e != null) {
                    s.tracker.publishErrors.increment();
                }
            });
        }

        synchronized void startCall() {
            if (!starting || startBudget.getAndDecrement() <= 0) {
                stage = Stage.IDLE;
                return;
            }
            started.incrementAndGet();
            long now = System.nanoTime();
            callStartNs = now;
            stageNs = now;
            stage = Stage.RINGING;
            seq++;
            report(token("ring"), 1);
        }

        private String token(String what) {
            return what + "-" + name + "-" + seq;
        }

        @Override
        public synchronized void onWebhook(String type, String dev, JsonNode data, long nowNs) {
            if (type.equals("call.ringing") && stage == Stage.RINGING) {
                stage = Stage.ANSWERING;
                stageNs = nowNs;
                accept();
            } else if (type.equals("call.ended") && stage != Stage.IDLE) {
                String reason = data.path("reason").asText("?");
                reasons.computeIfAbsent(reason, r -> new LongAdder()).increment();
                if (!reason.equals("HANGUP")) {
                    fail("ended " + reason);
                    return;
                }
                long d = nowNs - callStartNs;
                synchronized (done) {
                    done.add(new long[] {nowNs, d});
                }
                completed.incrementAndGet();
                stage = Stage.IDLE;
                startCall();
            }
        }

        @Override
        public synchronized void onDown(String dev, JsonNode msg, long nowNs) {
            String method = msg.path("method").asText("");
            if (method.equals("control") && stage == Stage.ANSWERING) {
                int status = msg.path("params").path("_sys_video_call_status").asInt(-1);
                String ct = msg.path("clientToken").asText("");
                if (!ct.isEmpty()) {
                    s.fleet.publish(conn, name, Msgs.controlReply(ct));
                }
                if (status != 1) {
                    fail("control " + status);
                    return;
                }
                stage = Stage.CONNECTING;
                stageNs = nowNs;
                tokenConnected = token("talk");
                report(tokenConnected, 2);
            } else if (method.equals("report_reply")) {
                int code = msg.path("code").asInt(-1);
                String ct = msg.path("clientToken").asText("");
                if (code != 0 && stage != Stage.IDLE && ct.endsWith("-" + name + "-" + seq)) {
                    fail("report_reply " + code);
                } else if (code == 0 && stage == Stage.CONNECTING && ct.equals(tokenConnected)) {
                    stage = Stage.HANGING_UP;
                    stageNs = nowNs;
                    report(token("hangup"), 0);
                }
            }
        }

        private void accept() {
            String body = Msgs.appAccept("req-" + requestIds.incrementAndGet(), "bench-token", s.fleet.product(conn),
                    name, o.user);
            int mySeq = seq;
            s.ctx.appHttp.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                            .setPort(s.httpPort).setURI("/api/exploreropen/tokenapi")
                            .putHeader("content-type", "application/json"))
                    .compose(req -> req.send(Buffer.buffer(body)).compose(resp -> resp.body()))
                    .onComplete(ar -> {
                        synchronized (Slot.this) {
                            if (seq != mySeq || stage == Stage.IDLE) {
                                return;
                            }
                            if (ar.failed()) {
                                fail("app HTTP " + ar.cause().getClass().getSimpleName());
                                return;
                            }
                            try {
                                JsonNode err = Tracker.JSON.readTree(ar.result().getBytes()).path("Response").path("Error");
                                if (!err.isMissingNode()) {
                                    fail("app " + err.path("Code").asText("?"));
                                }
                            } catch (Exception e) {
                                fail("app answer not JSON");
                            }
                        }
                    });
        }

        synchronized void checkTimeout(long now) {
            if (stage != Stage.IDLE && now - stageNs > timeoutNs) {
                fail("timeout in " + stage.name().toLowerCase());
            }
        }

        /** The call is given up; the slot rings again from a fresh device id (this one may still be in a call). */
        private void fail(String why) {
            failures.computeIfAbsent(why, w -> new LongAdder()).increment();
            failed.incrementAndGet();
            stage = Stage.IDLE;
            generation++;
            rename();
            startCall();
        }
    }

    /** Runs warm-up then the measured window (or, with a call budget, until every call is done). */
    Results.Calls run(double warmupSeconds, double windowSeconds) throws Exception {
        Results.Calls r = new Results.Calls();
        r.concurrency = slots.size();
        long tStart = System.nanoTime();
        Session.Snap atStart = s.snap();
        long spread = (budgeted ? 100_000_000L : 1_000_000_000L) / Math.max(1, slots.size());
        for (Slot slot : slots) {
            slot.startCall();
            if (spread > 10_000) {
                java.util.concurrent.locks.LockSupport.parkNanos(spread);
            }
        }
        long w0;
        long w1;
        Session.Snap a;
        Session.Snap b;
        if (budgeted) {
            w0 = tStart;
            a = atStart;
            long deadline = w0 + (long) ((o.callTimeoutSeconds * 4 + 60) * 1e9);
            while (System.nanoTime() < deadline) {
                tick();
                if (startBudget.get() <= 0 && idle()) {
                    break;
                }
                Thread.sleep(20);
            }
            w1 = System.nanoTime();
            b = s.snap();
            starting = false;
        } else {
            long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            while (System.nanoTime() < warmEnd) {
                tick();
                Thread.sleep(20);
            }
            w0 = System.nanoTime();
            a = s.snap();
            long end = w0 + (long) (windowSeconds * 1e9);
            while (System.nanoTime() < end) {
                tick();
                Thread.sleep(20);
            }
            w1 = System.nanoTime();
            b = s.snap();
            starting = false;
            long drain = System.nanoTime() + timeoutNs + 1_000_000_000L;
            while (System.nanoTime() < drain && !idle()) {
                tick();
                Thread.sleep(20);
            }
        }
        for (Slot slot : slots) {
            s.tracker.calls.remove(slot.device);
        }
        List<Double> inWindow = new ArrayList<>();
        synchronized (done) {
            for (long[] d : done) {
                if (d[0] >= w0 && d[0] <= w1) {
                    inWindow.add(d[1] / 1e6);
                }
            }
        }
        double[] sorted = Stats.sorted(inWindow.stream().mapToDouble(Double::doubleValue).toArray());
        r.windowSeconds = (w1 - w0) / 1e9;
        r.started = started.get();
        r.completed = completed.get();
        r.completedInWindow = sorted.length;
        r.callsPerSecond = sorted.length / r.windowSeconds;
        r.p50Ms = Stats.percentile(sorted, 0.5);
        r.p99Ms = Stats.percentile(sorted, 0.99);
        r.maxMs = sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
        r.failed = failed.get();
        failures.forEach((k, v) -> r.failures.put(k, v.sum()));
        reasons.forEach((k, v) -> r.endReasons.put(k, v.sum()));
        Results.Step cpu = new Results.Step();
        Phases.cpu(s, cpu, a, b, Math.max(1, sorted.length));
        r.sutCpuUsPerCall = cpu.sutCpuUsPerRing;
        r.brokerCpuUsPerCall = cpu.brokerCpuUsPerRing;
        r.sutRssBytes = s.sutRss();
        return r;
    }

    private void tick() {
        long now = System.nanoTime();
        for (Slot slot : slots) {
            slot.checkTimeout(now);
        }
    }

    private boolean idle() {
        for (Slot slot : slots) {
            synchronized (slot) {
                if (slot.stage != Stage.IDLE) {
                    return false;
                }
            }
        }
        return true;
    }
}
