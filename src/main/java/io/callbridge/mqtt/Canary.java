package io.callbridge.mqtt;

import io.callbridge.thing.ThingCodec;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A message CallBridge sends itself through the broker, on a device-shaped up topic, so that it travels the same
 * session, queue and in-flight window as the devices' reports. If one that the broker accepted has not come back
 * after {@code stallMillis}, and no report was handled meanwhile either, the uplink is deaf, whatever its
 * connection says.
 */
public final class Canary {

    /** The product id of canary topics: no device of the platform has it (product ids are letters and digits). */
    public static final String PRODUCT = "$callbridge";
    private static final String PREFIX = "$thing/up/property/" + PRODUCT + "/";

    private final String topic;
    private final String nonce = UUID.randomUUID().toString();
    private final long stallMillis;
    private final Clock clock;
    private final AtomicLong seq = new AtomicLong();
    /** Canaries the broker took and that have not come back: sequence number to the time the broker took it. */
    private final ConcurrentSkipListMap<Long, Long> outstanding = new ConcurrentSkipListMap<>();
    private volatile long lastReturnedAt;
    private volatile long lastRoundTripMillis = -1;
    private volatile long lastProgressAt;

    /** {@code instance} names this CallBridge (its uplink client id): each instance hears only its own canary. */
    public Canary(String instance, long stallMillis, Clock clock) {
        this.topic = PREFIX + instance;
        this.stallMillis = stallMillis;
        this.clock = clock;
        this.lastProgressAt = clock.millis();
    }

    public String topic() {
        return topic;
    }

    /** Any canary, ours or another instance's: never a device's report. */
    public static boolean isCanaryTopic(String topic) {
        return topic != null && topic.startsWith(PREFIX);
    }

    /** The next canary to publish; {@link #published} once the broker took it. */
    public Sent next() {
        long n = seq.incrementAndGet();
        long at = clock.millis();
        byte[] payload = ThingCodec.toJson(Map.of("method", "callbridge_canary", "seq", n, "nonce", nonce, "sentAt", at))
                .getBytes(StandardCharsets.UTF_8);
        return new Sent(n, payload);
    }

    public record Sent(long seq, byte[] payload) {
    }

    public void published(long n) {
        outstanding.put(n, clock.millis());
        // A canary long gone (the broker dropped it) must not keep the uplink DOWN forever.
        outstanding.headMap(n - 1000).clear();
    }

    /** A message arrived on a canary topic: ours comes back with our nonce. */
    public void arrived(String arrivedOn, byte[] payload) {
        progress();
        if (!topic.equals(arrivedOn)) {
            return;
        }
        Map<String, Object> m;
        try {
            m = ThingCodec.parseObject(new String(payload, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return;
        }
        if (!nonce.equals(m.get("nonce")) || !(m.get("seq") instanceof Number n)) {
            return;
        }
        long now = clock.millis();
        Long took = outstanding.get(n.longValue());
        if (took != null) {
            lastRoundTripMillis = now - took;
        }
        // The uplink delivers one topic in order: everything up to this one is through.
        outstanding.headMap(n.longValue(), true).clear();
        lastReturnedAt = now;
    }

    /** The uplink finished with a message. */
    public void progress() {
        lastProgressAt = clock.millis();
    }

    /** Why the uplink is deaf, or null: a canary is overdue and nothing else got through meanwhile. */
    public String stalled() {
        long now = clock.millis();
        Map.Entry<Long, Long> oldest = outstanding.firstEntry();
        if (oldest == null || now - oldest.getValue() < stallMillis || now - lastProgressAt < stallMillis) {
            return null;
        }
        return "no message came through the uplink for " + (now - lastProgressAt) + " ms, and the canary the broker"
                + " took " + (now - oldest.getValue()) + " ms ago has not come back";
    }

    /** The last canary's round trip through the broker, or -1. */
    public long lastRoundTripMillis() {
        return lastRoundTripMillis;
    }

    public long lastReturnedAt() {
        return lastReturnedAt;
    }
}
