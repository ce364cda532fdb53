package io.callbridge.store;

import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one writer of call transitions and outbox bookkeeping. Writes submitted by many threads (reports of
 * different devices, app commands, timers, webhook settlements) share one transaction per batch, so the price
 * of a commit (a chunk written to disk by H2 with {@code WRITE_DELAY=0}, a WAL flush in PostgreSQL) is paid per
 * batch rather than per report. Each write runs under its own savepoint: a lost compare-and-set or a failing
 * statement undoes that write alone, and its caller hears about it; the others commit.
 * <p>
 * A write's future completes only once its transaction is durable, so whoever waits on it (the uplink, before
 * acknowledging a report) never acts on a transition that a crash could still take back.
 */
public final class GroupCommit implements AutoCloseable {

    /** A transition's statements inside the batch: true when it won its compare-and-set. */
    @FunctionalInterface
    public interface Write {
        boolean apply(Connection c) throws SQLException;
    }

    /**
     * Bookkeeping that nobody waits for (settled deliveries, claims released): flushed with the next batch, or
     * on its own after {@code linger} when no transition comes along to share a commit with.
     */
    public interface Background {
        boolean hasWork();

        void flush(Connection c) throws SQLException;

        /** The flushed work was committed ({@code error} null) or rolled back. */
        void done(SQLException error);
    }

    private record Pending(Write write, Runnable afterCommit, CompletableFuture<Boolean> result) {
    }

    private static final Logger LOG = Logger.getLogger(GroupCommit.class);
    private static final Pending WAKE = new Pending(c -> false, null, null);

    private final DataSource db;
    private final int maxBatch;
    private final long lingerNanos;
    private final long windowNanos;
    private final double windowFromRate;
    // The arrival rate the window depends on, measured by the writer alone over spans of RATE_SPAN.
    private static final long RATE_SPAN = TimeUnit.MILLISECONDS.toNanos(200);
    private long spanStart = System.nanoTime();
    private long spanTaken;
    private volatile double rate;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Background> backgrounds = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicBoolean woken = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closed;
    private volatile long batches;
    private volatile long written;
    private volatile long busyNanos;

    public GroupCommit(DataSource db, int maxBatch, Duration linger) {
        this(db, maxBatch, linger, Duration.ZERO, 0);
    }

    /**
     * {@code window}: once a write is waiting, how long to wait for more to share its commit, while writes arrive at
     * least {@code windowFromRate} a second. A commit has a fixed price that a write arriving alone pays in full
     * (H2 serialises again every page on the path to each row it touched, some 60 KB for one ring; PostgreSQL
     * flushes its WAL): a writer that keeps up takes every write alone, and that price is most of its CPU. Below
     * the rate a write commits at once, since few would come to share the wait.
     */
    public GroupCommit(DataSource db, int maxBatch, Duration linger, Duration window, double windowFromRate) {
        this.db = db;
        this.maxBatch = maxBatch;
        this.lingerNanos = linger.toNanos();
        this.windowNanos = window.toNanos();
        this.windowFromRate = windowFromRate;
        thread = new Thread(this::run, "callbridge-commit");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Runs {@code write} in the next batch; {@code afterCommit} (may be null) runs on the committing thread once the
     * batch is durable and only if the write won, so it must be quick (hand work to a queue).
     */
    public CompletableFuture<Boolean> submit(Write write, Runnable afterCommit) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        if (closed) {
            result.completeExceptionally(new IllegalStateException("the database writer is shut down"));
            return result;
        }
        queue.add(new Pending(write, afterCommit, result));
        return result;
    }

    public void register(Background background) {
        backgrounds.add(background);
    }

    /** Background work was added: flush it within {@code linger} even if no transition comes. */
    public void wake() {
        // One wake-up in the queue is enough, however many settlements come before it is taken.
        if (woken.compareAndSet(false, true)) {
            queue.offer(WAKE);
        }
    }

    /** Writes waiting for the next batch. */
    public int queued() {
        return queue.size();
    }

    public long batches() {
        return batches;
    }

    public long written() {
        return written;
    }

    /** Writes a second arriving at the writer, as it last measured them (over about 200 ms). */
    public double rate() {
        return rate;
    }

    /** Time spent writing and committing batches, in nanoseconds (the writer's busy time). */
    public long busyNanos() {
        return busyNanos;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == WAKE) {
                    woken.set(false);
                }
                if (first == WAKE || first == null && hasBackgroundWork()) {
                    // Settlements alone: give transitions a moment to share the commit.
                    Pending next = queue.poll(lingerNanos, TimeUnit.NANOSECONDS);
                    if (next == WAKE) {
                        woken.set(false);
                    }
                    first = next == WAKE ? null : next;
                } else if (first == null) {
                    continue;
                }
                if (first != null) {
                    batch.add(first);
                    if (windowNanos > 0 && measure() >= windowFromRate) {
                        gather(batch);
                    }
                }
                drain(batch);
                spanTaken += batch.size();
                if (batch.isEmpty() && !hasBackgroundWork()) {
                    continue;
                }
                commit(batch);
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            } catch (RuntimeException | Error e) {
                LOG.error("The database writer failed; carrying on", e);
                batch.forEach(p -> p.result().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    /** The rate over the last span, idle time included: after a quiet spell the first write does not wait. */
    private double measure() {
        long now = System.nanoTime();
        long span = now - spanStart;
        if (span >= RATE_SPAN) {
            rate = spanTaken * 1e9 / span;
            spanStart = now;
            spanTaken = 0;
        }
        return rate;
    }

    private void gather(List<Pending> batch) throws InterruptedException {
        long until = System.nanoTime() + windowNanos;
        while (batch.size() < maxBatch) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Pending p = queue.poll(left, TimeUnit.NANOSECONDS);
            if (p == null) {
                return;
            }
            if (p == WAKE) {
                woken.set(false);
            } else {
                batch.add(p);
            }
        }
    }

    private void drain(List<Pending> batch) {
        while (batch.size() < maxBatch) {
            Pending p = queue.poll();
            if (p == null) {
                return;
            }
            if (p != WAKE) {
                batch.add(p);
            } else {
                woken.set(false);
            }
        }
    }

    private boolean hasBackgroundWork() {
        for (Background b : backgrounds) {
            if (b.hasWork()) {
                return true;
            }
        }
        return false;
    }

    private void commit(List<Pending> batch) {
        long started = System.nanoTime();
        try {
            write(batch);
        } finally {
            busyNanos += System.nanoTime() - started;
        }
    }

    private void write(List<Pending> batch) {
        Boolean[] won = new Boolean[batch.size()];
        Throwable[] failed = new Throwable[batch.size()];
        List<Background> flushed = new ArrayList<>();
        List<SQLException> backgroundErrors = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            List<Background> due = new ArrayList<>();
            for (Background b : backgrounds) {
                if (b.hasWork()) {
                    due.add(b);
                }
            }
            // A lone write needs no savepoint (a round trip each in PostgreSQL): undoing it is a rollback.
            boolean savepoints = batch.size() + due.size() > 1;
            try {
                for (int i = 0; i < batch.size(); i++) {
                    Savepoint sp = savepoints ? c.setSavepoint() : null;
                    try {
                        won[i] = batch.get(i).write().apply(c);
                        if (!won[i]) {
                            undo(c, sp);
                        }
                    } catch (SQLException e) {
                        undo(c, sp);
                        if (JdbcCallStore.isConflict(e)) {
                            won[i] = false;
                        } else {
                            failed[i] = new StoreException("writing a call transition", e);
                        }
                    } catch (RuntimeException | Error e) {
                        undo(c, sp);
                        failed[i] = e;
                    }
                }
                for (Background b : due) {
                    Savepoint sp = savepoints ? c.setSavepoint() : null;
                    try {
                        b.flush(c);
                        flushed.add(b);
                    } catch (SQLException e) {
                        undo(c, sp);
                        b.done(e);
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException | Error e) {
                // Closing is no rollback: a pool switches auto-commit back on, which would commit the batch.
                try {
                    c.rollback();
                } catch (SQLException r) {
                    e.addSuppressed(r);
                }
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            SQLException sql = e instanceof SQLException s ? s : new SQLException(e.getMessage(), e);
            boolean conflict = e instanceof SQLException s && JdbcCallStore.isConflict(s);
            for (int i = 0; i < batch.size(); i++) {
                if (conflict && failed[i] == null) {
                    batch.get(i).result().complete(false);
                } else {
                    batch.get(i).result().completeExceptionally(
                            failed[i] != null ? failed[i] : new StoreException("committing call transitions", sql));
                }
            }
            flushed.forEach(b -> b.done(sql));
            return;
        }
        batches++;
        written += batch.size();
        for (Background b : flushed) {
            b.done(null);
        }
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (failed[i] != null) {
                p.result().completeExceptionally(failed[i]);
                continue;
            }
            if (won[i] && p.afterCommit() != null) {
                try {
                    p.afterCommit().run();
                } catch (RuntimeException e) {
                    LOG.error("After a commit", e);
                }
            }
            p.result().complete(won[i]);
        }
    }

    private static void undo(Connection c, Savepoint sp) throws SQLException {
        if (sp != null) {
            c.rollback(sp);
        } else {
            c.rollback();
        }
    }

    /** Writes what is queued, then stops. */
    @Override
    public void close() {
        closed = true;
        queue.offer(WAKE);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            if (p.result() != null) {
                p.result().completeExceptionally(new IllegalStateException("the database writer is shut down"));
            }
        }
    }
}
