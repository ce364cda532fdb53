package io.callbridge.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code perSecond} a second for each key (a device, a token, an address), in bursts of up to
 * {@code burst}: a token bucket per key. Keys idle for a while are forgotten, and at most {@code maxKeys} are kept,
 * so a flood of new keys costs bounded memory (a forgotten key starts again with a full bucket).
 */
public final class RateLimit {

    /** {@code perSecond} 0: no limit. */
    public record Rate(long perSecond, long burst) {

        public Rate {
            if (perSecond < 0 || burst < 0) {
                throw new IllegalArgumentException("a rate and its burst are zero (no limit) or positive");
            }
        }

        public boolean unlimited() {
            return perSecond == 0;
        }
    }

    private static final Duration IDLE = Duration.ofMinutes(10);

    private final String name;
    private final Rate rate;
    private final Cache<String, Bucket> buckets;
    private final AtomicLong refused = new AtomicLong();

    public RateLimit(String name, Rate rate, long maxKeys) {
        this.name = name;
        this.rate = rate;
        this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(IDLE).build();
    }

    public String name() {
        return name;
    }

    public Rate rate() {
        return rate;
    }

    /** Takes one for the key; false (and counted) when its bucket is empty. */
    public boolean tryAcquire(String key) {
        if (rate.unlimited()) {
            return true;
        }
        if (bucket(key).tryConsume(1)) {
            return true;
        }
        refused.incrementAndGet();
        return false;
    }

    /** Whether the key has none left, without taking any. */
    public boolean exhausted(String key) {
        if (rate.unlimited()) {
            return false;
        }
        Bucket b = buckets.getIfPresent(key);
        if (b != null && b.getAvailableTokens() <= 0) {
            refused.incrementAndGet();
            return true;
        }
        return false;
    }

    /** Refusals since start. */
    public long refused() {
        return refused.get();
    }

    private Bucket bucket(String key) {
        return buckets.get(key, k -> Bucket.builder().addLimit(Bandwidth.builder()
                .capacity(Math.max(rate.burst(), rate.perSecond()))
                .refillGreedy(rate.perSecond(), Duration.ofSeconds(1)).build()).build());
    }
}
