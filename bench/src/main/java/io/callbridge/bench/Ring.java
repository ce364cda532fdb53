package io.callbridge.bench;

/** One ring (a report with status 1 from a fresh device id) and what came back for it. */
final class Ring {

    static final int PROBE = 0;
    static final int WARMUP = 1;
    static final int MEASURED = 2;

    final String device;
    final String token;
    /** When the open-loop schedule meant to send it (System.nanoTime). Latency is counted from here. */
    final long intendedNs;
    final int tag;

    volatile long sentNs;
    volatile long ackNs;
    /** First webhook (or, for the broker alone, the subscriber's copy); 0 while none came. */
    private long arrivedNs;
    private int arrivals;
    private int replies;
    private int badReplies;

    Ring(String device, String token, long intendedNs, int tag) {
        this.device = device;
        this.token = token;
        this.intendedNs = intendedNs;
        this.tag = tag;
    }

    synchronized boolean arrive(long nowNs) {
        arrivals++;
        if (arrivedNs == 0) {
            arrivedNs = nowNs;
            return true;
        }
        return false;
    }

    synchronized void reply(int code) {
        replies++;
        if (code != 0) {
            badReplies++;
        }
    }

    synchronized long arrivedNs() {
        return arrivedNs;
    }

    synchronized boolean arrived() {
        return arrivedNs != 0;
    }

    synchronized int arrivals() {
        return arrivals;
    }

    synchronized int replies() {
        return replies;
    }

    synchronized int badReplies() {
        return badReplies;
    }

    /** Milliseconds from the intended send time to the first arrival; +Infinity when it never arrived. */
    synchronized double latencyMs() {
        return arrivedNs == 0 ? Double.POSITIVE_INFINITY : (arrivedNs - intendedNs) / 1e6;
    }
}
