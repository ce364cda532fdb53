package io.callbridge.limits;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimitTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RateLimit.Clock clock = now::get;

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void aKeyHasItsBurstThenItsRate() {
        RateLimit l = new RateLimit("t", new RateLimit.Rate(20, 40), 1000, clock);
        for (int i = 0; i < 40; i++) {
            assertTrue(l.tryAcquire("dev"), "take " + i);
        }
        assertFalse(l.tryAcquire("dev"));
        assertTrue(l.exhausted("dev"));
        assertTrue(l.tryAcquire("other"), "keys do not share a bucket");
        advance(Duration.ofMillis(50));
        assertTrue(l.tryAcquire("dev"), "one refilled in 1/20 s");
        assertFalse(l.tryAcquire("dev"));
        assertEquals(3, l.refused());
    }

    @Test
    void aKeyIsForgottenOnceItsBucketWouldBeFullAgain() {
        RateLimit.Rate rate = new RateLimit.Rate(20, 40);
        assertEquals(Duration.ofSeconds(2), rate.refill());
        RateLimit l = new RateLimit("t", rate, 1000, clock);
        for (int i = 0; i < 1000; i++) {
            l.tryAcquire("dev-" + i);
        }
        assertEquals(1000, l.keys());
        advance(Duration.ofMillis(1900));
        l.tryAcquire("dev-0");
        advance(Duration.ofMillis(200));
        assertEquals(1, l.keys(), "only the key used within its refill time is kept");
    }

    @Test
    void aForgottenKeyStartsFullAsItWouldHaveBeen() {
        RateLimit l = new RateLimit("t", new RateLimit.Rate(1, 10), 1000, clock);
        assertEquals(Duration.ofSeconds(10), l.rate().refill());
        for (int i = 0; i < 10; i++) {
            assertTrue(l.tryAcquire("addr"));
        }
        assertFalse(l.tryAcquire("addr"));
        advance(Duration.ofSeconds(5));
        for (int i = 0; i < 5; i++) {
            assertTrue(l.tryAcquire("addr"), "refilled " + i);
        }
        assertFalse(l.tryAcquire("addr"), "still remembered while refilling");
        advance(Duration.ofSeconds(11));
        assertEquals(0, l.keys());
        for (int i = 0; i < 10; i++) {
            assertTrue(l.tryAcquire("addr"));
        }
        assertFalse(l.tryAcquire("addr"));
    }

    @Test
    void noLimitKeepsNothing() {
        RateLimit l = new RateLimit("t", new RateLimit.Rate(0, 0), 1000, clock);
        for (int i = 0; i < 100; i++) {
            assertTrue(l.tryAcquire("dev"));
        }
        assertFalse(l.exhausted("dev"));
        assertEquals(0, l.keys());
    }

    @Test
    void refillRoundsUp() {
        assertEquals(Duration.ofMillis(1334), new RateLimit.Rate(3, 4).refill());
        assertEquals(Duration.ofSeconds(1), new RateLimit.Rate(3, 1).refill(), "the capacity is at least a second's rate");
        assertEquals(Duration.ofSeconds(20), new RateLimit.Rate(50, 1000).refill());
    }
}
