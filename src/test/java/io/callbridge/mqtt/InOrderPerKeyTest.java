package io.callbridge.mqtt;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InOrderPerKeyTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void eachKeysTasksRunOneAtATimeInTheOrderSubmitted() throws Exception {
        InOrderPerKey lanes = new InOrderPerKey(pool);
        int keys = 50;
        int perKey = 400;
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger overlaps = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(keys * perKey);
        // Four submitters, each owning some keys: a key's order is its one submitter's.
        List<Thread> submitters = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            int first = s;
            Thread submitter = new Thread(() -> {
                for (int i = 0; i < perKey; i++) {
                    for (int k = first; k < keys; k += 4) {
                        String key = "$thing/up/property/P/d" + k;
                        int n = i;
                        lanes.submit(key, () -> {
                            if (running.computeIfAbsent(key, x -> new AtomicInteger()).incrementAndGet() > 1) {
                                overlaps.incrementAndGet();
                            }
                            seen.computeIfAbsent(key, x -> new ArrayList<>()).add(n);
                            running.get(key).decrementAndGet();
                            done.countDown();
                        });
                    }
                }
            });
            submitter.start();
            submitters.add(submitter);
        }
        for (Thread t : submitters) {
            t.join();
        }
        assertTrue(done.await(30, TimeUnit.SECONDS), "all tasks ran");
        assertEquals(0, overlaps.get(), "two tasks of one key ran at once");
        List<Integer> expected = IntStream.range(0, perKey).boxed().toList();
        seen.forEach((key, order) -> assertEquals(expected, order, key));
        assertEquals(keys, seen.size());
        // A lane is let go just after its last task returns, so after the latch: waited for, not assumed.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> lanes.busyKeys() == 0);
    }

    /** The fault of pinning keys to threads: a stuck or busy key held up the others that shared its thread. */
    @Test
    void aKeyThatIsStuckHoldsUpNoOtherKey() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            InOrderPerKey lanes = new InOrderPerKey(two);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch othersDone = new CountDownLatch(200);
            lanes.submit("stuck", () -> await(release));
            lanes.submit("stuck", othersDone::countDown);
            for (int i = 0; i < 199; i++) {
                lanes.submit("key-" + (i % 20), othersDone::countDown);
            }
            // the other keys run on the free thread while one key is stuck
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> othersDone.getCount() == 1);
            assertEquals(1, othersDone.getCount(), "only the stuck key's own next task waits");
            release.countDown();
            assertTrue(othersDone.await(10, TimeUnit.SECONDS));
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void aTaskThatThrowsDoesNotStopItsKey() throws Exception {
        InOrderPerKey lanes = new InOrderPerKey(pool);
        CountDownLatch next = new CountDownLatch(1);
        lanes.submit("k", () -> {
            throw new IllegalStateException("a route failed");
        });
        lanes.submit("k", next::countDown);
        assertTrue(next.await(10, TimeUnit.SECONDS));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
