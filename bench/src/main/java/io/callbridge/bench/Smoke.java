package io.callbridge.bench;

import java.util.ArrayList;
import java.util.List;

/** What --smoke asserts: every system started and delivered everything at a trivial load. No timing at all. */
final class Smoke {

    private Smoke() {
    }

    static List<String> check(Results r, List<String> systems) {
        List<String> f = new ArrayList<>();
        for (String sys : systems) {
            boolean seen = false;
            for (Results.SystemRound sr : r.rounds) {
                if (!sr.system.equals(sys)) {
                    continue;
                }
                seen = true;
                String p = sys + " (round " + sr.round + ")";
                sr.errors.forEach((phase, msg) -> f.add(p + " " + phase + ": " + firstLine(msg)));
                if (sr.ladder != null) {
                    if (sr.ladder.warmup != null && sr.ladder.warmup.lost > 0) {
                        f.add(p + ": warm-up lost " + sr.ladder.warmup.lost + " of " + sr.ladder.warmup.rings + " rings");
                    }
                    for (Results.Step st : sr.ladder.steps) {
                        if (st.lost > 0) {
                            f.add(p + ": lost " + st.lost + " of " + st.rings + " rings at " + st.rate + "/s");
                        }
                        if (st.replyNonZero > 0) {
                            f.add(p + ": " + st.replyNonZero + " report_reply with a non-zero code at " + st.rate + "/s");
                        }
                        if (!sys.equals("broker") && st.replied < st.rings) {
                            f.add(p + ": only " + st.replied + " of " + st.rings + " rings got a report_reply");
                        }
                    }
                    if (sr.ladder.steps.isEmpty()) {
                        f.add(p + ": no rate step ran");
                    }
                }
                if (sr.burst != null && sr.burst.lost > 0) {
                    f.add(p + ": burst lost " + sr.burst.lost + " of " + sr.burst.rings + " rings");
                }
                if (Session.isCallBridge(sys)) {
                    if (sr.calls != null && (sr.calls.failed > 0 || sr.calls.completed < r.optionsCallsCount())) {
                        f.add(p + ": whole calls completed " + sr.calls.completed + ", failed " + sr.calls.failed + " "
                                + sr.calls.failures);
                    }
                    if (sr.memory != null && sr.memory.arrived < sr.memory.calls) {
                        f.add(p + ": memory phase got " + sr.memory.arrived + " of " + sr.memory.calls + " webhooks");
                    }
                }
                for (Results.Session s : sr.sessions) {
                    if (s.counters != null && !Long.valueOf(0).equals(s.counters.get("webhookBadSignature"))) {
                        f.add(p + " " + s.phase + ": " + s.counters.get("webhookBadSignature") + " webhooks with a bad signature");
                    }
                }
            }
            if (!seen) {
                f.add(sys + ": never ran");
            }
        }
        for (Results.Startup st : r.startup) {
            st.errors.forEach(e -> f.add(st.system + " start-up: " + firstLine(e)));
        }
        return f;
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl) + " …";
    }
}
