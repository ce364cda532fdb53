package io.callbridge.webhook;

import io.callbridge.call.CallEvent;
import io.callbridge.store.Sql;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The webhook outbox: one row per event and receiver, written in the transaction of the transition that caused
 * the event ({@link #write}), then claimed, delivered and settled. A claim is a conditional update, so with
 * several instances each attempt is made by one of them. Ringing-time events are given up when their window is
 * over; record events are retried with backoff for a long window, then listed as failed until replayed.
 */
public final class Outbox {

    public enum Status {
        PENDING, DELIVERED, FAILED, GONE
    }

    /** How one class of events is retried: first delay, doubling up to {@code maxDelay}, for {@code window}. */
    public record Policy(Duration firstDelay, Duration maxDelay, Duration window) {

        Duration delay(int attempts) {
            long ms = firstDelay.toMillis();
            for (int i = 1; i < attempts && ms < maxDelay.toMillis(); i++) {
                ms *= 2;
            }
            return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
        }
    }

    public record Entry(long id, String webhookId, String url, String type, String callId, String body,
            boolean urgent, Status status, int attempts, Instant createdAt, Instant nextAttemptAt, Instant giveUpAt,
            Integer lastStatus, String lastError, Instant deliveredAt) {
    }

    private static final String COLUMNS = "id, webhook_id, url, event_type, call_id, body, urgent, status, attempts,"
            + " created_at, next_attempt_at, give_up_at, last_status, last_error, delivered_at";

    private final DataSource db;
    private final List<String> urls;
    private final Policy urgent;
    private final Policy record;
    private final Duration claimFor;
    private final Clock clock;

    public Outbox(DataSource db, List<String> urls, Policy urgent, Policy record, Duration claimFor, Clock clock) {
        this.db = db;
        this.urls = List.copyOf(urls);
        this.urgent = urgent;
        this.record = record;
        this.claimFor = claimFor;
        this.clock = clock;
    }

    public List<String> urls() {
        return urls;
    }

    /** Inside the transition's transaction: one pending row per receiver. */
    public void write(Connection c, CallEvent event) throws SQLException {
        if (urls.isEmpty()) {
            return;
        }
        boolean isUrgent = EventPayload.urgent(event);
        Policy policy = isUrgent ? urgent : record;
        long now = clock.millis();
        String body = EventPayload.json(event);
        try (PreparedStatement s = c.prepareStatement("INSERT INTO webhook_outbox (webhook_id, url, event_type,"
                + " call_id, body, urgent, status, attempts, created_at, next_attempt_at, give_up_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?)")) {
            for (String url : urls) {
                s.setString(1, event.id());
                s.setString(2, url);
                s.setString(3, event.type());
                s.setString(4, event.call().id());
                s.setString(5, body);
                s.setBoolean(6, isUrgent);
                s.setLong(7, now);
                s.setLong(8, now);
                s.setLong(9, now + policy.window().toMillis());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Claims the pending deliveries of one event, for the fast path right after the transition. */
    public List<Entry> claimEvent(String webhookId) {
        return claim("SELECT " + COLUMNS + " FROM webhook_outbox WHERE webhook_id = ? AND status = 'PENDING'"
                + " AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)", webhookId);
    }

    /** Claims deliveries that are due: retries, and anything a stopped instance left behind. */
    public List<Entry> claimDue(int limit) {
        return claim("SELECT " + COLUMNS + " FROM webhook_outbox WHERE status = 'PENDING' AND next_attempt_at <= ?"
                + " AND (locked_until IS NULL OR locked_until < ?) ORDER BY next_attempt_at LIMIT " + limit, null);
    }

    /** The receiver answered 2xx. */
    public void delivered(long id) {
        update("UPDATE webhook_outbox SET status = 'DELIVERED', attempts = attempts + 1, delivered_at = ?,"
                + " last_status = 200, last_error = NULL, locked_until = NULL WHERE id = ?", clock.millis(), id);
    }

    /**
     * The attempt failed: {@code httpStatus} is the receiver's answer (null when it could not be reached).
     * 410 means the endpoint is gone: no more attempts. {@code retryAfter}, from a 429 or 503, is honoured.
     */
    public Status failed(Entry entry, Integer httpStatus, String error, Duration retryAfter) {
        long now = clock.millis();
        int attempts = entry.attempts() + 1;
        Policy policy = entry.urgent() ? urgent : record;
        Duration wait = retryAfter != null ? retryAfter : policy.delay(attempts);
        long next = now + wait.toMillis();
        Status status = httpStatus != null && httpStatus == 410 ? Status.GONE
                : next > entry.giveUpAt().toEpochMilli() ? Status.FAILED : Status.PENDING;
        update("UPDATE webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?,"
                + " last_error = ?, locked_until = NULL WHERE id = ?", status.name(), attempts, next, httpStatus,
                error == null ? null : error.length() > 2000 ? error.substring(0, 2000) : error, entry.id());
        return status;
    }

    /** Deliveries that were given up (FAILED) or refused for good (GONE), newest first. */
    public List<Entry> failures(int limit, int offset) {
        return select("SELECT " + COLUMNS + " FROM webhook_outbox WHERE status IN ('FAILED', 'GONE')"
                + " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?", limit, offset);
    }

    /** Every delivery of one event, for inspection. */
    public List<Entry> deliveries(String webhookId) {
        return select("SELECT " + COLUMNS + " FROM webhook_outbox WHERE webhook_id = ? ORDER BY id", webhookId);
    }

    /**
     * Sends an event again to every receiver, whatever became of it: same {@code webhook-id} and body, a fresh
     * record window. Returns how many deliveries were queued (0: no such event).
     */
    public int replay(String webhookId) {
        long now = clock.millis();
        return update("UPDATE webhook_outbox SET status = 'PENDING', attempts = 0, next_attempt_at = ?,"
                + " give_up_at = ?, locked_until = NULL WHERE webhook_id = ?", now, now + record.window().toMillis(),
                webhookId);
    }

    private List<Entry> claim(String select, String webhookId) {
        long now = clock.millis();
        List<Entry> candidates = webhookId == null ? select(select, now, now) : select(select, webhookId, now, now);
        List<Entry> claimed = new ArrayList<>();
        for (Entry e : candidates) {
            int won = update("UPDATE webhook_outbox SET locked_until = ? WHERE id = ? AND status = 'PENDING'"
                    + " AND (locked_until IS NULL OR locked_until < ?)", now + claimFor.toMillis(), e.id(), now);
            if (won == 1) {
                claimed.add(e);
            }
        }
        return claimed;
    }

    private List<Entry> select(String sql, Object... args) {
        return Sql.query(db, "reading the webhook outbox", sql, Outbox::read, args);
    }

    private int update(String sql, Object... args) {
        return Sql.update(db, "updating the webhook outbox", sql, args);
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
