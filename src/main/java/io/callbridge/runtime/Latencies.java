package io.callbridge.runtime;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Start times of things that finish elsewhere: a ring that ends when its webhook is delivered, an accept that ends
 * when its control reaches the broker. Keyed by the outbox row's id ({@code webhook-id}, control {@code
 * clientToken}); what never finishes is forgotten after {@code forgetMillis}, so the map stays small.
 */
final class Latencies {

    private final Map<String, Long> started = new ConcurrentHashMap<>();
    private final long forgetMillis;
    private volatile long nextSweep;

    Latencies(long forgetMillis) {
        this.forgetMillis = forgetMillis;
    }

    void start(String key, long atMillis) {
        started.put(key, atMillis);
        long now = System.currentTimeMillis();
        if (now > nextSweep) {
            nextSweep = now + forgetMillis;
            for (Iterator<Long> it = started.values().iterator(); it.hasNext(); ) {
                if (now - it.next() > forgetMillis) {
                    it.remove();
                }
            }
        }
    }

    /** Milliseconds since {@link #start}, or -1 when it was not started (or already finished). */
    long finish(String key) {
        Long at = started.remove(key);
        return at == null ? -1 : System.currentTimeMillis() - at;
    }

    int size() {
        return started.size();
    }
}
