package io.callbridge.limits;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Scheduler;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LockFreeBucket;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code perSecond} a second for each key (a device, a token, an address), in bursts of up to
 * {@code burst}: a token bucket per key. A key is forgotten once its bucket would have refilled (a forgotten key
 * starts again with a full bucket, so forgetting it then changes nothing), and at most {@code maxKeys} are kept:
 * the memory is bounded by the keys active in the last few seconds, not by every device seen.
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

        public long capacity() {
            return Math.max(burst, perSecond);
        }

        /** How long an emptied bucket takes to be full again. */
        public Duration refill() {
            return unlimited() ? Duration.ZERO : Duration.ofMillis(Math.max(1, (capacity() * 1000 + perSecond - 1) / perSecond));
        }
    }

    /** Nanoseconds of one clock for both the buckets and their expiry (tests move it by hand). */
    public interface Clock {
        long nanos();

        Clock SYSTEM = System::nanoTime;
    }

    private final String name;
    private final Rate rate;
    private final Clock clock;
    private final BucketConfiguration config;
    private final Cache<String, Bucket> buckets;
    private final AtomicLong refused = new AtomicLong();

    public RateLimit(String name, Rate rate, long maxKeys) {
        this(name, rate, maxKeys, Clock.SYSTEM);
    }

    public RateLimit(String name, Rate rate, long maxKeys, Clock clock) {
        this.name = name;
        this.rate = rate;
        this.clock = clock;
        // One configuration for every key: a bucket then holds only its own state.
        this.config = rate.unlimited() ? null : BucketConfiguration.builder().addLimit(Bandwidth.builder()
                .capacity(rate.capacity()).refillGreedy(rate.perSecond(), Duration.ofSeconds(1)).build()).build();
        Caffeine<Object, Object> b = Caffeine.newBuilder().maximumSize(maxKeys)
                .expireAfterAccess(rate.unlimited() ? Duration.ofSeconds(1) : rate.refill())
                .ticker(clock::nanos);
        if (clock == Clock.SYSTEM) {
            // Expired keys go even when no new key comes to trigger the cache's upkeep.
            b.scheduler(Scheduler.systemScheduler());
        }
        this.buckets = b.build();
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

    /** Keys whose buckets are kept now. */
    public long keys() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    private Bucket bucket(String key) {
        return buckets.get(key, k -> new LockFreeBucket(config, MathType.INTEGER_64_BITS, meter, BucketListener.NOPE));
    }

    private final TimeMeter meter = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return clock.nanos();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };
}
