package io.callbridge.webhook;

import io.callbridge.call.Decision;
import io.callbridge.call.Effect;
import io.callbridge.store.GroupCommit;
import io.callbridge.store.JdbcCallStore;
import io.callbridge.store.Sql;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.Topics;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Everything a transition owes the outside world, kept until delivered: one row per webhook event and receiver,
 * and one per control for the device (destination {@code mqtt:<down topic>}). Rows are written in the
 * transaction of the transition that caused them ({@link #write}), already claimed by the instance that wrote
 * them, and handed to their sender as soon as that transaction is durable ({@link #committed}): the fast path costs
 * no read and no commit of its own. Settling an attempt is bookkeeping that rides on the next batch of the
 * {@link GroupCommit}.
 * <p>
 * A delivery whose sender was full, whose attempt failed, or whose instance died is taken up by the poller
 * ({@link #claimDue}) once it is due and its claim has lapsed; a claim is a conditional update, so with several
 * instances each attempt is made by one of them. Ringing-time events are given up when their window is over;
 * record events are retried with backoff for a long window, then listed as failed until replayed; controls are
 * retried quickly for their own window.
 */
public final class Outbox implements JdbcCallStore.EffectWriter<List<Outbox.Entry>>, GroupCommit.Background {

    public enum Status {
        PENDING, DELIVERED, FAILED, GONE
    }

    /** The destination prefix of a control: the rest is the device's down topic. */
    public static final String MQTT = "mqtt:";
    /** A receiver that is a route of the integrator's own ({@code direct:<name>}), fed as durably as a webhook. */
    public static final String ROUTE = "direct:";
    /** The event type of a control row. */
    public static final String CONTROL = "control";
    /** The webhook type of a device's own event. */
    public static final String DEVICE_EVENT = "device.event";

    /** How one class of deliveries is retried: first delay, doubling up to {@code maxDelay}, for {@code window}. */
    public record Policy(Duration firstDelay, Duration maxDelay, Duration window) {

        Duration delay(int attempts) {
            long ms = firstDelay.toMillis();
            for (int i = 1; i < attempts && ms < maxDelay.toMillis(); i++) {
                ms *= 2;
            }
            return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
        }
    }

    /** One delivery; {@code url} is a receiver's URL, a route's {@code direct:<name>} or {@code mqtt:<topic>}. */
    public record Entry(long id, String webhookId, String url, String type, String callId, String body,
            boolean urgent, Status status, int attempts, Instant createdAt, Instant nextAttemptAt, Instant giveUpAt,
            Integer lastStatus, String lastError, Instant deliveredAt) {

        public boolean control() {
            return url.startsWith(MQTT);
        }

        /** For a route of CallBridge's own context rather than a receiver over HTTP. */
        public boolean route() {
            return url.startsWith(ROUTE);
        }

        /** The down topic of a control. */
        public String topic() {
            return url.substring(MQTT.length());
        }

        Entry withId(long newId) {
            return new Entry(newId, webhookId, url, type, callId, body, urgent, status, attempts, createdAt,
                    nextAttemptAt, giveUpAt, lastStatus, lastError, deliveredAt);
        }
    }

    /** Takes a delivery for an attempt if it has room; false leaves it to the poller. */
    @FunctionalInterface
    public interface Sender {
        boolean offer(Entry entry);
    }

    private sealed interface Settlement {
    }

    private record Delivered(long id, long at) implements Settlement {
    }

    private record Failed(long id, Status status, int attempts, long next, Integer httpStatus, String error)
            implements Settlement {
    }

    private record Released(long id) implements Settlement {
    }

    private static final Logger LOG = Logger.getLogger(Outbox.class);
    private static final String COLUMNS = "id, webhook_id, url, event_type, call_id, body, urgent, status, attempts,"
            + " created_at, next_attempt_at, give_up_at, last_status, last_error, delivered_at";

    private final DataSource db;
    private final GroupCommit commits;
    private final List<String> urls;
    private final Policy urgent;
    private final Policy record;
    private final Policy control;
    private final Duration claimFor;
    private final Clock clock;
    private final ConcurrentLinkedQueue<Settlement> settlements = new ConcurrentLinkedQueue<>();
    private volatile Sender webhooks = e -> false;
    private volatile Sender controls = e -> false;
    private volatile Sender routes = e -> false;

    public Outbox(DataSource db, GroupCommit commits, List<String> urls, Policy urgent, Policy record, Policy control,
            Duration claimFor, Clock clock) {
        this.db = db;
        this.commits = commits;
        this.urls = List.copyOf(urls);
        this.urgent = urgent;
        this.record = record;
        this.control = control;
        this.claimFor = claimFor;
        this.clock = clock;
        commits.register(this);
    }

    /** Who makes the attempts: webhooks over HTTP, controls over MQTT, events for routes in the Camel context. */
    public void senders(Sender webhooks, Sender controls, Sender routes) {
        this.webhooks = webhooks;
        this.controls = controls;
        this.routes = routes;
    }

    public List<String> urls() {
        return urls;
    }

    // ---- written with the transition ----

    /** The rows of a decision: each event for each receiver, each control; bodies made here, off the writer. */
    @Override
    public List<Entry> prepare(Decision d) {
        List<Entry> rows = new ArrayList<>();
        Instant now = clock.instant();
        for (Effect effect : d.effects()) {
            if (effect instanceof Effect.Event e && !urls.isEmpty()) {
                boolean isUrgent = EventPayload.urgent(e.event());
                String body = EventPayload.json(e.event());
                Instant giveUp = now.plus((isUrgent ? urgent : record).window());
                for (String url : urls) {
                    rows.add(new Entry(0, e.event().id(), url, e.event().type(), e.event().call().id(), body, isUrgent,
                            Status.PENDING, 0, now, now, giveUp, null, null, null));
                }
            } else if (effect instanceof Effect.Control c) {
                String body = new String(ThingCodec.control(c.clientToken(), c.params()), StandardCharsets.UTF_8);
                rows.add(new Entry(0, c.clientToken(), MQTT + Topics.downProperty(c.device()), CONTROL,
                        d.call() == null ? "" : d.call().id(), body, true, Status.PENDING, 0, now, now,
                        now.plus(control.window()), null, null, null));
            }
        }
        return rows.isEmpty() ? null : rows;
    }

    /**
     * A device's own event ({@code event_post}), for every receiver as a {@code device.event} webhook: written in a
     * transaction of its own and sent once durable. The future completes when it is durable (false: not written).
     * Its webhook id is made from the device and its clientToken, so a redelivered event is the same webhook.
     */
    public CompletableFuture<Boolean> deviceEvent(DeviceId device, String clientToken, Map<String, Object> data) {
        if (urls.isEmpty()) {
            return CompletableFuture.completedFuture(true);
        }
        Instant now = clock.instant();
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("type", DEVICE_EVENT);
        body.put("timestamp", now.toString());
        body.put("data", data);
        String json = ThingCodec.toJson(body);
        String id = "evd_" + UUID.nameUUIDFromBytes((device + "\u0000" + clientToken).getBytes(StandardCharsets.UTF_8));
        List<Entry> rows = new ArrayList<>();
        for (String url : urls) {
            rows.add(new Entry(0, id, url, DEVICE_EVENT, "", json, false, Status.PENDING, 0, now, now,
                    now.plus(record.window()), null, null, null));
        }
        return commits.submit(c -> {
            write(c, rows);
            return true;
        }, () -> committed(rows));
    }

    /** Inside the transition's transaction; the rows are claimed by this instance for their first attempt. */
    @Override
    public void write(Connection c, List<Entry> rows) throws SQLException {
        long lockedUntil = clock.millis() + claimFor.toMillis();
        try (PreparedStatement s = c.prepareStatement("INSERT INTO webhook_outbox (webhook_id, url, event_type,"
                + " call_id, body, urgent, status, attempts, created_at, next_attempt_at, give_up_at, locked_until)"
                + " VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            for (Entry e : rows) {
                s.setString(1, e.webhookId());
                s.setString(2, e.url());
                s.setString(3, e.type());
                s.setString(4, e.callId());
                s.setString(5, e.body());
                s.setBoolean(6, e.urgent());
                s.setLong(7, e.createdAt().toEpochMilli());
                s.setLong(8, e.nextAttemptAt().toEpochMilli());
                s.setLong(9, e.giveUpAt().toEpochMilli());
                s.setLong(10, lockedUntil);
                s.addBatch();
            }
            s.executeBatch();
            try (ResultSet keys = s.getGeneratedKeys()) {
                for (int i = 0; i < rows.size() && keys.next(); i++) {
                    rows.set(i, rows.get(i).withId(keys.getLong(1)));
                }
            }
        }
    }

    /** The transition is durable: the first attempt of each row starts now. */
    @Override
    public void committed(List<Entry> rows) {
        dispatch(rows);
    }

    private void dispatch(List<Entry> entries) {
        for (Entry e : entries) {
            if (!(e.control() ? controls : e.route() ? routes : webhooks).offer(e)) {
                // The sender is full: the poller takes it up at its next turn.
                release(e);
            }
        }
    }

    // ---- the poller ----

    /**
     * Claims up to {@code limit} deliveries that are due (retries, and anything a full sender or a stopped
     * instance left behind) and hands them to their senders. Returns how many were handed over.
     */
    public int claimDue(int limit) {
        if (limit <= 0) {
            return 0;
        }
        long now = clock.millis();
        List<Entry> candidates = select("SELECT " + COLUMNS + " FROM webhook_outbox WHERE status = 'PENDING'"
                + " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)"
                + " ORDER BY next_attempt_at LIMIT " + limit, now, now);
        if (candidates.isEmpty()) {
            return 0;
        }
        List<Entry> claimed = new ArrayList<>();
        try {
            commits.submit(c -> {
                claimed.clear();
                try (PreparedStatement s = c.prepareStatement("UPDATE webhook_outbox SET locked_until = ?"
                        + " WHERE id = ? AND status = 'PENDING' AND (locked_until IS NULL OR locked_until < ?)")) {
                    for (Entry e : candidates) {
                        s.setLong(1, now + claimFor.toMillis());
                        s.setLong(2, e.id());
                        s.setLong(3, now);
                        if (s.executeUpdate() == 1) {
                            claimed.add(e);
                        }
                    }
                }
                return true;
            }, null).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        dispatch(claimed);
        return claimed.size();
    }

    // ---- settling an attempt ----

    /** The receiver answered 2xx, or the broker took the control. */
    public void delivered(Entry entry) {
        settle(new Delivered(entry.id(), clock.millis()));
    }

    /**
     * The attempt failed: {@code httpStatus} is the receiver's answer (null when it could not be reached, and for
     * controls). 410 means the endpoint is gone: no more attempts. {@code retryAfter}, from a 429 or 503, is
     * honoured.
     */
    public Status failed(Entry entry, Integer httpStatus, String error, Duration retryAfter) {
        long now = clock.millis();
        int attempts = entry.attempts() + 1;
        Policy policy = entry.control() ? control : entry.urgent() ? urgent : record;
        Duration wait = retryAfter != null ? retryAfter : policy.delay(attempts);
        long next = now + wait.toMillis();
        Status status = httpStatus != null && httpStatus == 410 ? Status.GONE
                : next > entry.giveUpAt().toEpochMilli() ? Status.FAILED : Status.PENDING;
        settle(new Failed(entry.id(), status, attempts, next, httpStatus,
                error == null ? null : error.length() > 2000 ? error.substring(0, 2000) : error));
        return status;
    }

    /** Not attempted after all: free for the poller at once. */
    public void release(Entry entry) {
        settle(new Released(entry.id()));
    }

    private void settle(Settlement s) {
        settlements.add(s);
        commits.wake();
    }

    @Override
    public boolean hasWork() {
        return !settlements.isEmpty();
    }

    private final List<Settlement> flushing = new ArrayList<>();

    @Override
    public void flush(Connection c) throws SQLException {
        Settlement s;
        while ((s = settlements.poll()) != null) {
            flushing.add(s);
        }
        try (PreparedStatement delivered = c.prepareStatement("UPDATE webhook_outbox SET status = 'DELIVERED',"
                + " attempts = attempts + 1, delivered_at = ?, last_status = 200, last_error = NULL,"
                + " locked_until = NULL WHERE id = ?");
                PreparedStatement failed = c.prepareStatement("UPDATE webhook_outbox SET status = ?, attempts = ?,"
                        + " next_attempt_at = ?, last_status = ?, last_error = ?, locked_until = NULL WHERE id = ?");
                PreparedStatement released = c.prepareStatement(
                        "UPDATE webhook_outbox SET locked_until = NULL WHERE id = ? AND status = 'PENDING'")) {
            boolean d = false;
            boolean f = false;
            boolean r = false;
            for (Settlement x : flushing) {
                if (x instanceof Delivered v) {
                    delivered.setLong(1, v.at());
                    delivered.setLong(2, v.id());
                    delivered.addBatch();
                    d = true;
                } else if (x instanceof Failed v) {
                    failed.setString(1, v.status().name());
                    failed.setInt(2, v.attempts());
                    failed.setLong(3, v.next());
                    if (v.httpStatus() == null) {
                        failed.setNull(4, java.sql.Types.INTEGER);
                    } else {
                        failed.setInt(4, v.httpStatus());
                    }
                    failed.setString(5, v.error());
                    failed.setLong(6, v.id());
                    failed.addBatch();
                    f = true;
                } else if (x instanceof Released v) {
                    released.setLong(1, v.id());
                    released.addBatch();
                    r = true;
                }
            }
            if (d) {
                delivered.executeBatch();
            }
            if (f) {
                failed.executeBatch();
            }
            if (r) {
                released.executeBatch();
            }
        }
    }

    @Override
    public void done(SQLException error) {
        if (error != null) {
            // The rows stay claimed until their claim lapses; the poller then tries them again (same ids).
            LOG.warnf("Recording %d delivery outcomes failed: %s", flushing.size(), error.getMessage());
        }
        flushing.clear();
    }

    // ---- for operators ----

    /** Webhook deliveries that were given up (FAILED) or refused for good (GONE), newest first. */
    public List<Entry> failures(int limit, int offset) {
        return select("SELECT " + COLUMNS + " FROM webhook_outbox WHERE status IN ('FAILED', 'GONE')"
                + " AND event_type <> '" + CONTROL + "' ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", limit,
                offset);
    }

    /** Every delivery of one event (or control), for inspection. */
    public List<Entry> deliveries(String webhookId) {
        return select("SELECT " + COLUMNS + " FROM webhook_outbox WHERE webhook_id = ? ORDER BY id", webhookId);
    }

    /**
     * Forgets settled deliveries (delivered, given up, gone) made before {@code olderThan}: at most {@code limit}
     * at a time, so the writer is never held long. Returns how many went.
     */
    public int forget(Instant olderThan, int limit) {
        try {
            int[] gone = new int[1];
            commits.submit(c -> {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM webhook_outbox WHERE id IN (SELECT id FROM"
                        + " webhook_outbox WHERE status <> 'PENDING' AND created_at < ? LIMIT " + limit + ")")) {
                    s.setLong(1, olderThan.toEpochMilli());
                    gone[0] = s.executeUpdate();
                }
                return true;
            }, null).join();
            return gone[0];
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** Deliveries not settled yet (pending or being attempted). */
    public long pending() {
        return Sql.query(db, "counting the outbox", "SELECT COUNT(*) FROM webhook_outbox WHERE status = 'PENDING'",
                r -> r.getLong(1)).get(0);
    }

    /**
     * Sends an event again to every receiver, whatever became of it: same {@code webhook-id} and body, a fresh
     * record window. Returns how many deliveries were queued (0: no such event).
     */
    public int replay(String webhookId) {
        long now = clock.millis();
        return Sql.update(db, "updating the webhook outbox", "UPDATE webhook_outbox SET status = 'PENDING',"
                + " attempts = 0, next_attempt_at = ?, give_up_at = ?, locked_until = NULL WHERE webhook_id = ?", now,
                now + record.window().toMillis(), webhookId);
    }

    private List<Entry> select(String sql, Object... args) {
        return Sql.query(db, "reading the webhook outbox", sql, Outbox::read, args);
    }

    private static Entry read(ResultSet r) throws SQLException {
        int lastStatus = r.getInt("last_status");
        Integer last = r.wasNull() ? null : lastStatus;
        long delivered = r.getLong("delivered_at");
        Instant deliveredAt = r.wasNull() ? null : Instant.ofEpochMilli(delivered);
        return new Entry(r.getLong("id"), r.getString("webhook_id"), r.getString("url"), r.getString("event_type"),
                r.getString("call_id"), r.getString("body"), r.getBoolean("urgent"),
                Status.valueOf(r.getString("status")), r.getInt("attempts"),
                Instant.ofEpochMilli(r.getLong("created_at")), Instant.ofEpochMilli(r.getLong("next_attempt_at")),
                Instant.ofEpochMilli(r.getLong("give_up_at")), last, r.getString("last_error"), deliveredAt);
    }
}
