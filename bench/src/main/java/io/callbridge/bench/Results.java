package io.callbridge.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything measured, as written to results.json (an infinite latency is written "Infinity": a lost ring). */
final class Results {

    /** One rate step (or the warm-up): latency, loss, replies, CPU, the harness's own send lag. */
    static final class Step {
        public int rate;
        public String kind = "step";
        public int rings;
        public long arrived;
        public long lost;
        public double lossPct;
        /** Of the lost rings, how many arrived later, before the session ended (so: very late, not gone). */
        public long arrivedAfterGrace;
        public double p50Ms;
        public double p90Ms;
        public double p99Ms;
        public double maxMs;
        public long replied;
        public long replyNonZero;
        public long duplicateWebhooks;
        public double sendLagP50Ms;
        public double sendLagP99Ms;
        public double sendLagMaxMs;
        public double achievedRate;
        public boolean harnessLimited;
        /** Webhook connections the receiver closed for being over its cap, and receiver errors, during the step. */
        public long receiverRefused;
        public long receiverErrors;
        public int receiverMaxOpen;
        public double windowSeconds;
        public double sutCpuUsPerRing;
        public double brokerCpuUsPerRing;
        public double harnessCpuUsPerRing;
        public double sutCpuPct;
        public double brokerCpuPct;
        public double harnessCpuPct;
        public double othersCpuPct;
        public double machineBusyPct;
        public long sutRssBytes;
        public boolean failed;
        public boolean sustainOk;
        public String note;
    }

    static final class Ladder {
        public Step warmup;
        /** CPU with no rings at all, after the warm-up drained (share of one core, %): what a ring's cost sits on. */
        public double idleSutCpuPct = Double.NaN;
        public double idleBrokerCpuPct = Double.NaN;
        public double idleSeconds;
        public List<Step> steps = new ArrayList<>();
        public int sustainedRate;
        public String sustainedNote;
        public String stoppedBecause;
    }

    static final class Burst {
        public int rings;
        public long webhooks;
        public long lost;
        public long replied;
        public long replyNonZero;
        public double enqueueMs;
        public double publishMs;
        public long publishErrors;
        public double firstWebhookMs;
        public double lastWebhookMs;
        public double p50Ms;
        public double p99Ms;
        public double webhooksPerSecond;
        public long receiverRefused;
        public long receiverErrors;
        public int receiverMaxOpen;
        public String endedBy;
        public double sutCpuUsPerRing;
        public double brokerCpuUsPerRing;
        public double harnessCpuUsPerRing;
        public long sutRssBytes;
        public long brokerRssBytes;
    }

    static final class Calls {
        public int concurrency;
        public double windowSeconds;
        public long started;
        public long completed;
        public long completedInWindow;
        public double callsPerSecond;
        public double p50Ms;
        public double p99Ms;
        public double maxMs;
        public long failed;
        public Map<String, Long> failures = new LinkedHashMap<>();
        public Map<String, Long> endReasons = new LinkedHashMap<>();
        public double sutCpuUsPerCall;
        public double brokerCpuUsPerCall;
        public long sutRssBytes;
    }

    static final class Memory {
        public int calls;
        public int rate;
        public long arrived;
        public long heapBeforeBytes;
        public long heapAfterBytes;
        public double bytesPerRingingCall;
        public long rssBeforeBytes;
        public long rssAfterBytes;
        public String gcNote;
    }

    static final class Session {
        public String label;
        public String phase;
        public double startupMs;
        public String readiness;
        public Map<String, Object> counters;
        public Map<String, Object> logs;
        public long sutRssBytesAtEnd;
        public long brokerRssBytesAtEnd;
    }

    static final class SystemRound {
        public String system;
        public int round;
        public int position;
        public Ladder ladder;
        public Burst burst;
        public Calls calls;
        public Memory memory;
        /** The warm-up of each fresh start other than the ladder's (that one is ladder.warmup). */
        public Map<String, Step> warmups = new LinkedHashMap<>();
        public List<Session> sessions = new ArrayList<>();
        public Map<String, String> errors = new LinkedHashMap<>();
    }

    static final class Startup {
        public String system;
        public String readiness;
        public List<Double> startupMs = new ArrayList<>();
        public double medianMs;
        public List<String> errors = new ArrayList<>();
    }

    public Map<String, Object> machine = new LinkedHashMap<>();
    public Map<String, Object> options = new LinkedHashMap<>();
    public List<String> notes = new ArrayList<>();
    public List<SystemRound> rounds = new ArrayList<>();
    public List<Startup> startup = new ArrayList<>();
    public List<String> skipped = new ArrayList<>();
    public List<String> smokeFailures = new ArrayList<>();
    public double durationSeconds;

    int optionsCallsCount() {
        Object v = options.get("callsCount");
        return v instanceof Number n ? n.intValue() : 0;
    }
}
