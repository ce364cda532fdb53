package io.callbridge.mqtt;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Runs tasks on a shared pool so that tasks of one key (a device's topic) run one at a time, in the order they were
 * submitted, while tasks of different keys run on whichever thread is free. Pinning each key to one of n threads
 * by hash (what the uplink did before) keeps order too, but a thread whose keys are busier than the rest falls
 * behind for good while others idle: under load about one call in ten then waited for the end of the load.
 * <p>
 * After each task its key goes to the back of the pool's queue, so a busy device never holds a thread for long.
 */
public final class InOrderPerKey {

    private final Executor pool;
    /** Per key, the task running (first) and those waiting behind it. No entry: the key is idle. */
    private final ConcurrentHashMap<String, Deque<Runnable>> lanes = new ConcurrentHashMap<>();

    public InOrderPerKey(Executor pool) {
        this.pool = pool;
    }

    public void submit(String key, Runnable task) {
        boolean[] idle = {false};
        lanes.compute(key, (k, lane) -> {
            if (lane == null) {
                lane = new ArrayDeque<>(2);
                idle[0] = true;
            }
            lane.addLast(task);
            return lane;
        });
        if (idle[0]) {
            pool.execute(() -> runNext(key));
        }
    }

    /** Keys with a task running or waiting. */
    public int busyKeys() {
        return lanes.size();
    }

    private void runNext(String key) {
        Runnable[] next = new Runnable[1];
        lanes.computeIfPresent(key, (k, lane) -> {
            next[0] = lane.peekFirst();
            return lane;
        });
        Runnable task = next[0];
        try {
            task.run();
        } finally {
            Deque<Runnable> rest = lanes.compute(key, (k, lane) -> {
                lane.pollFirst();
                return lane.isEmpty() ? null : lane;
            });
            if (rest != null) {
                pool.execute(() -> runNext(key));
            }
        }
    }
}
