package io.callbridge.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/** results.md: the tables, medians across rounds, per-round values beside them. */
final class Report {

    private Report() {
    }

    // ---- formatting -------------------------------------------------------------------------------------------

    static String ms(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Double.isInfinite(v)) {
            return "∞";
        }
        if (v < 10) {
            return String.format(Locale.ROOT, "%.1f ms", v);
        }
        if (v < 1000) {
            return String.format(Locale.ROOT, "%.0f ms", v);
        }
        return String.format(Locale.ROOT, "%.2f s", v / 1000);
    }

    static String us(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        return v < 10 ? String.format(Locale.ROOT, "%.1f µs", v) : String.format(Locale.ROOT, "%.0f µs", v);
    }

    static String bytes(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "–";
        }
        if (Math.abs(v) < 10_000) {
            return String.format(Locale.ROOT, "%.0f B", v);
        }
        return String.format(Locale.ROOT, "%.1f KiB", v / 1024);
    }

    static String mib(double v) {
        if (Double.isNaN(v) || v < 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.0f MiB", v / 1024 / 1024);
    }

    static String num(double v, String fmt) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format(Locale.ROOT, fmt, v);
    }

    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0 || Double.isInfinite(a) || Double.isInfinite(b)) {
            if (Double.isInfinite(a) && !Double.isInfinite(b)) {
                return "∞ (CallBridge lost rings)";
            }
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f×", a / b);
    }

    // ---- medians across rounds ----------------------------------------------------------------------------------

    private static List<Results.SystemRound> of(Results r, String system) {
        return r.rounds.stream().filter(sr -> sr.system.equals(system)).toList();
    }

    private static <T> double med(List<T> items, Function<T, Double> f) {
        List<Double> v = new ArrayList<>();
        for (T t : items) {
            if (t != null) {
                v.add(f.apply(t));
            }
        }
        return Stats.median(v);
    }

    private static List<Results.Step> steps(Results r, String system, int rate) {
        List<Results.Step> out = new ArrayList<>();
        for (Results.SystemRound sr : of(r, system)) {
            if (sr.ladder != null) {
                for (Results.Step st : sr.ladder.steps) {
                    if (st.rate == rate) {
                        out.add(st);
                    }
                }
            }
        }
        return out;
    }

    /** The rate used for "at 200/s": 200 if it is a step, else the lowest step. */
    static int baseRate(Results r) {
        TreeSet<Integer> rates = new TreeSet<>();
        for (Results.SystemRound sr : r.rounds) {
            if (sr.ladder != null) {
                sr.ladder.steps.forEach(st -> rates.add(st.rate));
            }
        }
        if (rates.isEmpty()) {
            return 200;
        }
        return rates.contains(200) ? 200 : rates.first();
    }

    static double sustained(Results r, String sys) {
        List<Results.Ladder> l = of(r, sys).stream().map(sr -> sr.ladder).filter(x -> x != null).toList();
        return med(l, x -> (double) x.sustainedRate);
    }

    static double p99At(Results r, String sys, int rate) {
        return med(steps(r, sys, rate), st -> st.p99Ms);
    }

    static double cpuAt(Results r, String sys, int rate) {
        return med(steps(r, sys, rate), st -> st.sutCpuUsPerRing);
    }

    static double cpuWithBrokerAt(Results r, String sys, int rate) {
        return med(steps(r, sys, rate), st -> st.sutCpuUsPerRing + (Double.isNaN(st.brokerCpuUsPerRing) ? 0 : st.brokerCpuUsPerRing));
    }

    static String label(String sys) {
        return switch (sys) {
            case "broker" -> "broker (Mosquitto alone)";
            case "callbridge-embedded" -> "callbridge-embedded (own broker)";
            case "callbridge-pg" -> "callbridge-pg (PostgreSQL)";
            default -> sys;
        };
    }

    // ---- the document -------------------------------------------------------------------------------------------

    static String markdown(Results r, List<String> systems) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> m = r.machine;
        Map<String, Object> o = r.options;
        int base = baseRate(r);
        b.append("# CallBridge load test: ").append(o.get("mode")).append(" run, ").append(m.get("date")).append("\n\n");
        b.append("**Machine**: ").append(m.get("nproc")).append(" cores (`nproc`), ").append(m.get("cpuModel")).append(", ")
                .append(m.get("memTotal")).append(" RAM, ").append(m.get("kernel")).append("; load average at start ")
                .append(m.get("loadAverage")).append(".  \n");
        b.append("**Versions**: ").append(m.get("java")).append("; Node.js ").append(m.get("node")).append("; ")
                .append(m.get("mosquitto")).append("; Node-RED ").append(m.get("nodeRed")).append("; CallBridge ")
                .append(m.get("callbridgeCommit")).append(" (work tree ").append(m.get("callbridgeWorkTree"))
                .append(", jar built ").append(m.get("callbridgeJarBuilt")).append(").  \n");
        b.append(String.format(Locale.ROOT, "**Run**: %s round(s), %s device connections, steps %s rings/s (%s s warm-up "
                        + "+ %s s measured each, %s s grace), burst %s, whole calls at concurrency %s, memory with %s "
                        + "calls ringing, %s start(s) per system; took %s.\n\n",
                o.get("rounds"), o.get("connections"), o.get("rates"), num(o.get("stepWarmupSeconds")),
                num(o.get("windowSeconds")), num(o.get("graceSeconds")), o.get("burst"), o.get("callsConcurrency"),
                o.get("memoryCalls"), o.get("startups"), Bench.durationText(java.time.Duration.ofSeconds((long) r.durationSeconds))));
        for (String n : r.notes) {
            b.append("- ").append(n).append('\n');
        }
        b.append("- Latency of a ring: from its intended send time (open-loop schedule) to the webhook's arrival at the "
                + "receiver (broker alone: to the harness subscriber's copy). A ring with no webhook by the end of the "
                + "grace period is lost and counts as infinitely late (∞) in the percentiles.\n");
        b.append("- CPU: utime+stime from /proc over the measured window, divided by the rings of the window; "
                + "\"others\" is the machine's busy time that was none of system, broker or harness (other work on "
                + "this machine). Headline figures are medians across rounds.\n");
        r.skipped.forEach(s -> b.append("- **Skipped**: ").append(s).append('\n'));
        b.append('\n');

        summary(b, r, systems, base);
        observations(b, r, systems);
        ratios(b, r, systems, base);
        ladder(b, r, systems);
        burst(b, r, systems);
        calls(b, r, systems);
        memory(b, r, systems);
        startup(b, r, systems);
        harness(b, r, systems);
        problems(b, r, systems);
        if (!r.smokeFailures.isEmpty()) {
            b.append("## Smoke failures\n\n");
            r.smokeFailures.forEach(f -> b.append("- ").append(f).append('\n'));
            b.append('\n');
        }
        return b.toString();
    }

    /** Plain-words findings drawn from the numbers: losses, stalls, duplicates, failures. */
    private static void observations(StringBuilder b, Results r, List<String> systems) {
        List<String> out = new ArrayList<>();
        for (String sys : systems) {
            String who = "**" + sys + "**";
            long dup = 0;
            long badSig = 0;
            for (Results.SystemRound sr : of(r, sys)) {
                String rd = r.rounds.stream().filter(x -> x.system.equals(sys)).count() > 1 ? " (round " + sr.round + ")" : "";
                if (sr.ladder != null) {
                    if (sr.ladder.warmup != null && sr.ladder.warmup.lost > 0) {
                        out.add(who + rd + ": the ladder's warm-up already lost " + sr.ladder.warmup.lost + " of "
                                + sr.ladder.warmup.rings + " rings at " + sr.ladder.warmup.rate + "/s.");
                    }
                    for (Results.Step st : sr.ladder.steps) {
                        if (st.lost > 0) {
                            String why = !sys.equals("broker") && st.replied >= st.rings * 0.99 && st.lost > st.rings * 0.05
                                    ? " Every device got its report_reply, so the reports were taken: the webhooks were not "
                                            + "delivered (in time, or at all)." : "";
                            out.add(String.format(Locale.ROOT, "%s%s: lost %d of %d rings (%.1f %%) at %d/s%s.%s", who, rd, st.lost,
                                    st.rings, st.lossPct, st.rate, st.arrivedAfterGrace > 0 ? ", " + st.arrivedAfterGrace
                                            + " of them came after the grace period" : ", none of them came later in the session", why));
                        }
                        if (st.replyNonZero > 0) {
                            out.add(who + rd + ": " + st.replyNonZero + " report_reply with a non-zero code at " + st.rate + "/s.");
                        }
                        if (st.receiverRefused > 0 || st.receiverErrors > 0) {
                            out.add(who + rd + ": at " + st.rate + "/s it had up to " + st.receiverMaxOpen
                                    + " webhook connections open at once; the receiver refused " + st.receiverRefused
                                    + " over its cap and had " + st.receiverErrors + " errors (harness-limited step).");
                        }
                    }
                }
                for (var w : sr.warmups.entrySet()) {
                    if (w.getValue().lost > 0) {
                        out.add(who + rd + ": the warm-up of a fresh start (" + w.getKey() + " phase) lost " + w.getValue().lost
                                + " of " + w.getValue().rings + " rings at " + w.getValue().rate + "/s.");
                    }
                }
                if (sr.burst != null && (sr.burst.receiverRefused > 0 || sr.burst.receiverErrors > 0)) {
                    out.add(who + rd + ": in the burst it had up to " + sr.burst.receiverMaxOpen
                            + " webhook connections open at once; the receiver refused " + sr.burst.receiverRefused
                            + " over its cap and had " + sr.burst.receiverErrors + " errors.");
                }
                if (sr.burst != null && sr.burst.lost > 0) {
                    out.add(String.format(Locale.ROOT, "%s%s: the burst lost %d of %d rings (%d got their report_reply; ended: %s).",
                            who, rd, sr.burst.lost, sr.burst.rings, sr.burst.replied, sr.burst.endedBy));
                }
                if (sr.calls != null && sr.calls.failed > 0) {
                    out.add(who + rd + ": " + sr.calls.failed + " whole calls failed " + sr.calls.failures + ", "
                            + sr.calls.completed + " completed.");
                }
                if (sr.memory != null && sr.memory.arrived < sr.memory.calls) {
                    out.add(who + rd + ": memory phase: only " + sr.memory.arrived + " of " + sr.memory.calls
                            + " ringing webhooks arrived, so bytes per ringing call is per call rung, not per call delivered.");
                }
                for (Results.Session s : sr.sessions) {
                    if (s.counters != null) {
                        dup += ((Number) s.counters.getOrDefault("webhookDuplicateId", 0)).longValue();
                        badSig += ((Number) s.counters.getOrDefault("webhookBadSignature", 0)).longValue();
                    }
                }
                sr.errors.forEach((phase, e) -> out.add(who + rd + ": the " + phase + " phase failed: `"
                        + e.lines().findFirst().orElse("").replace('`', '\'') + "`."));
            }
            if (dup > 0) {
                out.add(who + ": " + dup + " webhooks arrived twice with the same webhook-id (a retry of a delivery "
                        + "the receiver had answered 200; receivers drop them by id).");
            }
            if (badSig > 0) {
                out.add(who + ": " + badSig + " webhooks had a bad signature (counted as not delivered).");
            }
        }
        if (out.isEmpty()) {
            return;
        }
        b.append("## Observations\n\n");
        out.forEach(o -> b.append("- ").append(o).append('\n'));
        b.append('\n');
    }

    private static String num(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.0f", n.doubleValue()) : String.valueOf(v);
    }

    private static void summary(StringBuilder b, Results r, List<String> systems, int base) {
        b.append("## Summary (medians across rounds)\n\n");
        b.append("| system | sustained rate¹ | p99 at ").append(base).append("/s | CPU per ring at ").append(base)
                .append("/s: system | + broker | burst: lost, last webhook | whole calls/s (p99) | bytes per ringing call | start-up |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (String sys : systems) {
            List<Results.SystemRound> rs = of(r, sys);
            List<Results.Burst> bursts = rs.stream().map(x -> x.burst).filter(x -> x != null).toList();
            List<Results.Calls> calls = rs.stream().map(x -> x.calls).filter(x -> x != null).toList();
            List<Results.Memory> mem = rs.stream().map(x -> x.memory).filter(x -> x != null).toList();
            Results.Startup st = r.startup.stream().filter(x -> x.system.equals(sys)).findFirst().orElse(null);
            String sustainedText = sustainedText(r, sys);
            String burstText = bursts.isEmpty() ? "–" : String.format(Locale.ROOT, "%.0f of %d, %s", med(bursts, x -> (double) x.lost),
                    bursts.get(0).rings, ms(med(bursts, x -> x.lastWebhookMs)));
            String callsText = !Session.isCallBridge(sys) ? "n/a" : calls.isEmpty() ? "–"
                    : String.format(Locale.ROOT, "%.0f (%s)", med(calls, x -> x.callsPerSecond), ms(med(calls, x -> x.p99Ms)));
            String memText = !Session.isCallBridge(sys) ? "n/a" : bytes(med(mem, x -> x.bytesPerRingingCall));
            String brokerCpu = sys.equals("broker") ? "(is the system)" : sys.equals("callbridge-embedded")
                    ? "(inside)" : us(cpuWithBrokerAt(r, sys, base));
            boolean limited = steps(r, sys, base).stream().anyMatch(x -> x.harnessLimited);
            b.append("| ").append(label(sys)).append(" | ").append(sustainedText).append(" | ").append(ms(p99At(r, sys, base)))
                    .append(limited ? " ⚠" : "")
                    .append(" | ").append(us(cpuAt(r, sys, base))).append(" | ").append(brokerCpu).append(" | ")
                    .append(burstText).append(" | ").append(callsText).append(" | ").append(memText).append(" | ")
                    .append(st == null ? "–" : ms(st.medianMs)).append(" |\n");
        }
        b.append("\n¹ highest offered rate whose p99 ≤ ").append(num(r.options.get("sustainP99Ms")))
                .append(" ms with no ring lost, all lower steps passing too (a step that failed only by the harness's "
                        + "own send lag, losing nothing, is not counted either way); per round in brackets. \"+ broker\" is the system's and Mosquitto's CPU "
                        + "together. ⚠: the harness could not send on schedule in that step (see \"The harness itself\").\n\n");
    }

    private static String sustainedText(Results r, String sys) {
        List<Results.Ladder> l = of(r, sys).stream().map(sr -> sr.ladder).filter(x -> x != null).toList();
        if (l.isEmpty()) {
            return "–";
        }
        double v = sustained(r, sys);
        Object rates = r.options.get("rates");
        String lowest = rates instanceof List<?> l0 && !l0.isEmpty() ? String.valueOf(l0.get(0)) : "?";
        StringBuilder t = new StringBuilder(v == 0 ? "< " + lowest + "/s (failed the first step)" : num(v, "%.0f") + "/s");
        if (l.size() > 1) {
            t.append(" (").append(String.join(", ", l.stream().map(x -> Integer.toString(x.sustainedRate)).toList())).append(")");
        }
        l.stream().map(x -> x.sustainedNote).filter(x -> x != null).findFirst().ifPresent(n -> t.append(" — ").append(n));
        return t.toString();
    }

    private static void ratios(StringBuilder b, Results r, List<String> systems, int base) {
        List<String> cbs = systems.stream().filter(Session::isCallBridge).toList();
        List<String> peers = systems.stream().filter(s -> s.equals("node-red") || s.equals("forwarder")).toList();
        if (cbs.isEmpty() || peers.isEmpty()) {
            return;
        }
        b.append("## Ratios: CallBridge against Node-RED and the forwarder\n\n");
        b.append("Same broker, same receiver, same devices, same run (callbridge-embedded uses its own broker). "
                + "Sustained rate: higher is better, so a ratio below 1 means CallBridge sustains less. CPU and p99: "
                + "lower is better, so a ratio above 1 means CallBridge costs more.\n\n");
        b.append("| metric | ");
        for (String s : cbs) {
            b.append(s).append(" | ");
        }
        for (String p : peers) {
            b.append(p).append(" | ");
        }
        for (String s : cbs) {
            for (String p : peers) {
                b.append(s).append(" ÷ ").append(p).append(" | ");
            }
        }
        b.append('\n').append("|---".repeat(1 + cbs.size() + peers.size() + cbs.size() * peers.size())).append("|\n");
        ratioRow(b, "sustained rate (rings/s)", cbs, peers, s -> sustained(r, s), v -> num(v, "%.0f"));
        ratioRow(b, "CPU per ring at " + base + "/s, system only", cbs, peers, s -> cpuAt(r, s, base), Report::us);
        ratioRow(b, "CPU per ring at " + base + "/s, system + Mosquitto", cbs, peers, s -> cpuWithBrokerAt(r, s, base), Report::us);
        ratioRow(b, "p99 ring latency at " + base + "/s", cbs, peers, s -> p99At(r, s, base), Report::ms);
        b.append('\n');
    }

    private static void ratioRow(StringBuilder b, String name, List<String> cbs, List<String> peers,
            Function<String, Double> f, Function<Double, String> fmt) {
        b.append("| ").append(name).append(" | ");
        for (String s : cbs) {
            b.append(fmt.apply(f.apply(s))).append(" | ");
        }
        for (String p : peers) {
            b.append(fmt.apply(f.apply(p))).append(" | ");
        }
        for (String s : cbs) {
            for (String p : peers) {
                b.append(ratio(f.apply(s), f.apply(p))).append(" | ");
            }
        }
        b.append('\n');
    }

    private static void ladder(StringBuilder b, Results r, List<String> systems) {
        b.append("## Ring latency against offered rate (median across rounds)\n\n");
        b.append("CPU columns: µs of CPU per ring of the system under test, of Mosquitto, and of the harness; then the "
                + "share of one core each took during the window (sys/broker/harness/others). \"lag\" is the harness's "
                + "send lag p99 (actual − intended send time); ⚠ marks a harness-limited step (lag p99 > 20 ms, "
                + "under 95 % of the offered rate sent, or the webhook receiver refused connections over its cap or had "
                + "errors).\n\n");
        for (String sys : systems) {
            List<Results.SystemRound> rs = of(r, sys);
            TreeSet<Integer> rates = new TreeSet<>();
            for (Results.SystemRound sr : rs) {
                if (sr.ladder != null) {
                    sr.ladder.steps.forEach(st -> rates.add(st.rate));
                }
            }
            b.append("### ").append(label(sys)).append("\n\n");
            if (rates.isEmpty()) {
                b.append("No step ran").append(errorsText(rs, "ladder")).append(".\n\n");
                continue;
            }
            List<Results.Ladder> ls = rs.stream().map(x -> x.ladder).filter(x -> x != null).toList();
            if (!ls.isEmpty() && ls.stream().anyMatch(x -> !Double.isNaN(x.idleSutCpuPct))) {
                b.append(String.format(Locale.ROOT, "Idle, with no rings (%.0f s after the warm-up): the system took %.0f %% of one core",
                        ls.get(0).idleSeconds, med(ls, x -> x.idleSutCpuPct)));
                double ib = med(ls, x -> x.idleBrokerCpuPct);
                b.append(Double.isNaN(ib) ? "" : String.format(Locale.ROOT, ", Mosquitto %.0f %%", ib)).append(".\n\n");
            }
            b.append("| offered/s | p50 | p99 | max | lost | replies | CPU/ring sys | broker | harness | CPU % sys/broker/harness/others | lag p99 | p99 per round |\n");
            b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (int rate : rates) {
                List<Results.Step> st = steps(r, sys, rate);
                boolean limited = st.stream().anyMatch(x -> x.harnessLimited);
                double lost = med(st, x -> (double) x.lost);
                double rings = med(st, x -> (double) x.rings);
                double lossPct = med(st, x -> x.lossPct);
                long late = st.stream().mapToLong(x -> x.arrivedAfterGrace).sum();
                String lostText = String.format(Locale.ROOT, "%.0f (%.1f %%)", lost, lossPct) + (late > 0 ? ", " + late + " came late" : "");
                String replies = sys.equals("broker") ? "n/a" : String.format(Locale.ROOT, "%.0f of %.0f", med(st, x -> (double) x.replied), rings)
                        + (st.stream().anyMatch(x -> x.replyNonZero > 0) ? " (code≠0: " + st.stream().mapToLong(x -> x.replyNonZero).sum() + ")" : "");
                String perRound = String.join(", ", st.stream().map(x -> ms(x.p99Ms)).toList());
                b.append("| ").append(rate).append(limited ? " ⚠" : "").append(" | ").append(ms(med(st, x -> x.p50Ms)))
                        .append(" | ").append(ms(med(st, x -> x.p99Ms))).append(" | ").append(ms(med(st, x -> x.maxMs)))
                        .append(" | ").append(lostText).append(" | ").append(replies).append(" | ")
                        .append(us(med(st, x -> x.sutCpuUsPerRing))).append(" | ").append(us(med(st, x -> x.brokerCpuUsPerRing)))
                        .append(" | ").append(us(med(st, x -> x.harnessCpuUsPerRing))).append(" | ")
                        .append(String.format(Locale.ROOT, "%.0f/%.0f/%.0f/%.0f", med(st, x -> x.sutCpuPct), med(st, x -> x.brokerCpuPct),
                                med(st, x -> x.harnessCpuPct), med(st, x -> x.othersCpuPct)))
                        .append(" | ").append(ms(med(st, x -> x.sendLagP99Ms))).append(" | ").append(perRound).append(" |\n");
            }
            for (Results.SystemRound sr : rs) {
                if (sr.ladder != null && sr.ladder.stoppedBecause != null) {
                    b.append("\nRound ").append(sr.round).append(": stopped climbing, ").append(sr.ladder.stoppedBecause).append('.');
                }
            }
            b.append("\n\n");
        }
    }

    private static void burst(StringBuilder b, Results r, List<String> systems) {
        b.append("## Burst: ").append(r.options.get("burst")).append(" rings at once (median across rounds)\n\n");
        b.append("Published as fast as the connections take them; then the harness waits until every webhook arrived or "
                + "nothing new came for ").append(num(r.options.get("quietSeconds"))).append(" s. Times from the burst's start.\n\n");
        b.append("| system | webhooks | lost | replies | published in | first webhook | last webhook | webhooks/s | p50 / p99 | CPU/ring sys (+broker) | RSS after | webhook connections (max open) | ended by |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String sys : systems) {
            List<Results.Burst> l = of(r, sys).stream().map(x -> x.burst).filter(x -> x != null).toList();
            if (l.isEmpty()) {
                b.append("| ").append(label(sys)).append(" | – | – | – | – | – | – | – | – | – | – | – | ")
                        .append(errorsText(of(r, sys), "burst")).append(" |\n");
                continue;
            }
            String lostPer = l.size() > 1 ? " (" + String.join(", ", l.stream().map(x -> Long.toString(x.lost)).toList()) + ")" : "";
            b.append("| ").append(label(sys)).append(" | ").append(num(med(l, x -> (double) x.webhooks), "%.0f"))
                    .append(" | ").append(num(med(l, x -> (double) x.lost), "%.0f")).append(lostPer)
                    .append(" | ").append(sys.equals("broker") ? "n/a" : num(med(l, x -> (double) x.replied), "%.0f"))
                    .append(" | ").append(ms(med(l, x -> x.publishMs))).append(" | ").append(ms(med(l, x -> x.firstWebhookMs)))
                    .append(" | ").append(ms(med(l, x -> x.lastWebhookMs))).append(" | ").append(num(med(l, x -> x.webhooksPerSecond), "%.0f"))
                    .append(" | ").append(ms(med(l, x -> x.p50Ms))).append(" / ").append(ms(med(l, x -> x.p99Ms)))
                    .append(" | ").append(us(med(l, x -> x.sutCpuUsPerRing)))
                    .append(Session.externalBroker(sys) && !sys.equals("broker") ? " (+" + us(med(l, x -> x.brokerCpuUsPerRing)) + ")" : "")
                    .append(" | ").append(mib(med(l, x -> (double) x.sutRssBytes))).append(" | ")
                    .append(num(med(l, x -> (double) x.receiverMaxOpen), "%.0f"))
                    .append(l.stream().anyMatch(x -> x.receiverRefused > 0) ? " (refused " + l.stream().mapToLong(x -> x.receiverRefused).sum() + ")" : "")
                    .append(" | ").append(l.get(l.size() - 1).endedBy).append(" |\n");
        }
        b.append('\n');
    }

    private static void calls(StringBuilder b, Results r, List<String> systems) {
        List<String> cbs = systems.stream().filter(Session::isCallBridge).toList();
        if (cbs.isEmpty()) {
            return;
        }
        b.append("## Whole calls per second (CallBridge only; median across rounds)\n\n");
        b.append("Closed loop: ring → `call.ringing` → the app's AppControlDeviceData accept → `control` to the device → "
                + "control_reply and report 2 → its report_reply → report 0 → `call.ended` (HANGUP); then the device "
                + "rings again. Call time: ring sent → `call.ended` received. "
                + (r.options.get("callsCount") instanceof Number n && n.intValue() > 0
                        ? n + " calls, counted from the first."
                        : "Measured for " + r.options.get("callsWindowSeconds") + " s after "
                                + r.options.get("callsWarmupSeconds") + " s of calls (the JIT's warm-up).")
                + "\n\n");
        b.append("| system | concurrency | calls/s | p50 | p99 | max | completed in window | failed (why) | end reasons | CPU/call sys (+broker) |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String sys : cbs) {
            List<Results.Calls> l = of(r, sys).stream().map(x -> x.calls).filter(x -> x != null).toList();
            if (l.isEmpty()) {
                b.append("| ").append(label(sys)).append(" | – | – | – | – | – | – | ").append(errorsText(of(r, sys), "calls")).append(" | – | – |\n");
                continue;
            }
            Results.Calls last = l.get(l.size() - 1);
            b.append("| ").append(label(sys)).append(" | ").append(last.concurrency).append(" | ")
                    .append(num(med(l, x -> x.callsPerSecond), "%.1f"))
                    .append(l.size() > 1 ? " (" + String.join(", ", l.stream().map(x -> num(x.callsPerSecond, "%.1f")).toList()) + ")" : "")
                    .append(" | ").append(ms(med(l, x -> x.p50Ms)))
                    .append(" | ").append(ms(med(l, x -> x.p99Ms))).append(" | ").append(ms(med(l, x -> x.maxMs)))
                    .append(" | ").append(num(med(l, x -> (double) x.completedInWindow), "%.0f")).append(" | ")
                    .append(num(med(l, x -> (double) x.failed), "%.0f")).append(last.failures.isEmpty() ? "" : " " + last.failures)
                    .append(" | ").append(last.endReasons).append(" | ").append(us(med(l, x -> x.sutCpuUsPerCall)))
                    .append(Session.externalBroker(sys) ? " (+" + us(med(l, x -> x.brokerCpuUsPerCall)) + ")" : "").append(" |\n");
        }
        b.append('\n');
    }

    private static void memory(StringBuilder b, Results r, List<String> systems) {
        b.append("## Memory\n\n");
        List<String> cbs = systems.stream().filter(Session::isCallBridge).toList();
        if (!cbs.isEmpty()) {
            b.append("CallBridge with ").append(r.options.get("memoryCalls")).append(" calls ringing: heap used after a full GC "
                    + "(`jcmd GC.run`, `GC.heap_info`) before and after ringing that many new devices and receiving their "
                    + "webhooks; bytes per ringing call = (after − before) / calls.\n\n");
            b.append("| system | rate | webhooks | heap before | heap after | bytes per ringing call | RSS before | RSS after | per round |\n");
            b.append("|---|---|---|---|---|---|---|---|---|\n");
            for (String sys : cbs) {
                List<Results.Memory> l = of(r, sys).stream().map(x -> x.memory).filter(x -> x != null).toList();
                if (l.isEmpty()) {
                    b.append("| ").append(label(sys)).append(" | – | – | – | – | – | – | – | ").append(errorsText(of(r, sys), "memory")).append(" |\n");
                    continue;
                }
                b.append("| ").append(label(sys)).append(" | ").append(l.get(0).rate).append("/s | ")
                        .append(num(med(l, x -> (double) x.arrived), "%.0f")).append(" of ").append(l.get(0).calls).append(" | ")
                        .append(mib(med(l, x -> (double) x.heapBeforeBytes))).append(" | ").append(mib(med(l, x -> (double) x.heapAfterBytes)))
                        .append(" | ").append(bytes(med(l, x -> x.bytesPerRingingCall))).append(" | ")
                        .append(mib(med(l, x -> (double) x.rssBeforeBytes))).append(" | ").append(mib(med(l, x -> (double) x.rssAfterBytes)))
                        .append(" | ").append(String.join(", ", l.stream().map(x -> bytes(x.bytesPerRingingCall)).toList())).append(" |\n");
            }
            b.append('\n');
        }
        b.append("Resident memory of every system (and of its Mosquitto) at the end of the burst session (median across rounds):\n\n");
        b.append("| system | system RSS | Mosquitto RSS |\n|---|---|---|\n");
        for (String sys : systems) {
            List<Results.Session> ss = new ArrayList<>();
            for (Results.SystemRound sr : of(r, sys)) {
                sr.sessions.stream().filter(s -> s.phase.equals("burst") && s.counters != null).forEach(ss::add);
            }
            b.append("| ").append(label(sys)).append(" | ").append(mib(med(ss, x -> (double) x.sutRssBytesAtEnd)))
                    .append(" | ").append(sys.equals("callbridge-embedded") ? "(inside)" : sys.equals("broker") ? "(is the system)"
                            : mib(med(ss, x -> (double) x.brokerRssBytesAtEnd))).append(" |\n");
        }
        b.append('\n');
    }

    private static void startup(StringBuilder b, Results r, List<String> systems) {
        b.append("## Start-up to ready\n\n");
        b.append("| system | median | every start | ready means |\n|---|---|---|---|\n");
        for (String sys : systems) {
            Results.Startup st = r.startup.stream().filter(x -> x.system.equals(sys)).findFirst().orElse(null);
            if (st == null) {
                b.append("| ").append(label(sys)).append(" | – | – | – |\n");
                continue;
            }
            b.append("| ").append(label(sys)).append(" | ").append(ms(st.medianMs)).append(" | ")
                    .append(String.join(", ", st.startupMs.stream().map(Report::ms).toList()))
                    .append(st.errors.isEmpty() ? "" : " (" + st.errors.size() + " failed)").append(" | ")
                    .append(st.readiness == null ? "–" : st.readiness).append(" |\n");
        }
        b.append("\nFrom process launch (for the broker alone: Mosquitto's launch) to ready; a fresh data directory each time.\n\n");
    }

    private static void harness(StringBuilder b, Results r, List<String> systems) {
        b.append("## The harness itself\n\n");
        double maxLag = 0;
        double maxHarnessPct = 0;
        List<String> limited = new ArrayList<>();
        for (Results.SystemRound sr : r.rounds) {
            if (sr.ladder == null) {
                continue;
            }
            for (Results.Step st : sr.ladder.steps) {
                maxLag = Math.max(maxLag, st.sendLagP99Ms);
                maxHarnessPct = Math.max(maxHarnessPct, st.harnessCpuPct);
                if (st.harnessLimited) {
                    limited.add(sr.system + " r" + sr.round + " " + st.rate + "/s (lag p99 " + ms(st.sendLagP99Ms)
                            + ", sent " + num(st.achievedRate, "%.0f") + "/s)");
                }
            }
        }
        b.append(String.format(Locale.ROOT, "Highest send lag p99 of any step: %s; highest harness CPU in a window: %.0f %% of one core. ",
                ms(maxLag), maxHarnessPct));
        b.append(limited.isEmpty() ? "No step was harness-limited.\n" : "Harness-limited steps: " + String.join("; ", limited) + ".\n");
        b.append("The broker-alone row is the ceiling of harness + Mosquitto on this machine: a system cannot be measured "
                + "above it here.\n\n");
    }

    private static void problems(StringBuilder b, Results r, List<String> systems) {
        b.append("## Errors, and what the logs say\n\n");
        boolean any = false;
        for (String sys : systems) {
            for (Results.SystemRound sr : of(r, sys)) {
                for (var e : sr.errors.entrySet()) {
                    any = true;
                    b.append("- **").append(sys).append("** round ").append(sr.round).append(", ").append(e.getKey())
                            .append(": `").append(e.getValue().lines().findFirst().orElse("").replace('`', '\'')).append("`\n");
                }
            }
            for (Results.Startup st : r.startup) {
                if (st.system.equals(sys)) {
                    for (String e : st.errors) {
                        any = true;
                        b.append("- **").append(sys).append("** start-up: `").append(e.lines().findFirst().orElse("").replace('`', '\'')).append("`\n");
                    }
                }
            }
        }
        b.append(any ? "\n" : "No phase failed.\n\n");
        b.append("| system | log errors | log warnings | Mosquitto warnings | first distinct messages |\n|---|---|---|---|---|\n");
        for (String sys : systems) {
            long errors = 0;
            long warnings = 0;
            long mq = 0;
            List<String> samples = new ArrayList<>();
            for (Results.SystemRound sr : of(r, sys)) {
                for (Results.Session s : sr.sessions) {
                    if (s.logs == null) {
                        continue;
                    }
                    if (s.logs.get(sys) instanceof Map<?, ?> l) {
                        errors += ((Number) l.get("errors")).longValue();
                        warnings += ((Number) l.get("warnings")).longValue();
                        if (l.get("samples") instanceof List<?> sm) {
                            for (Object x : sm) {
                                if (samples.size() < 3 && !samples.contains(String.valueOf(x))) {
                                    samples.add(String.valueOf(x));
                                }
                            }
                        }
                    }
                    if (s.logs.get("mosquitto") instanceof Map<?, ?> l) {
                        mq += ((Number) l.get("warnings")).longValue();
                    }
                }
            }
            b.append("| ").append(label(sys)).append(" | ").append(errors).append(" | ").append(warnings).append(" | ")
                    .append(sys.equals("callbridge-embedded") ? "n/a" : Long.toString(mq)).append(" | ")
                    .append(samples.isEmpty() ? "" : "`" + String.join("` `", samples.stream().map(x -> x.replace('`', '\'').replace('|', '/')).toList()) + "`")
                    .append(" |\n");
        }
        b.append("\nEvery log is in `logs/` beside this file (big ones gzipped).\n");
    }

    private static String errorsText(List<Results.SystemRound> rs, String phase) {
        for (Results.SystemRound sr : rs) {
            String e = sr.errors.get(phase);
            if (e != null) {
                return " (failed: " + e.lines().findFirst().orElse("").replace('|', '/') + ")";
            }
        }
        return "";
    }
}
