package io.callbridge.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.Call;
import io.callbridge.call.CallEvent;
import io.callbridge.call.CallQuery;
import io.callbridge.call.CallState;
import io.callbridge.call.CallStore;
import io.callbridge.call.Decision;
import io.callbridge.call.DeviceState;
import io.callbridge.call.Effect;
import io.callbridge.call.EndReason;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Media;
import io.callbridge.thing.UserIds;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Calls, device states and bindings in a relational database (H2 or PostgreSQL, same schema). A commit is one
 * transaction: conditional updates on versions, the unique index on {@code active_device}, and the outbox rows
 * of the decision's events, so that a lost race writes nothing at all.
 */
public final class JdbcCallStore implements CallStore {

    /** Writes what a decision's events must leave behind (the webhook outbox), inside the commit's transaction. */
    @FunctionalInterface
    public interface EventWriter {
        void write(Connection connection, CallEvent event) throws SQLException;
    }

    /**
     * What a decision's effects leave behind in its transaction (the outbox rows of its webhooks and controls),
     * and what starts once that transaction is durable (their first delivery).
     */
    public interface EffectWriter<P> {
        /** On the caller's thread, before the transaction: bodies and the like. Null when there is nothing to write. */
        P prepare(Decision decision);

        void write(Connection connection, P prepared) throws SQLException;

        /** The transition is durable; called on the writer's thread, so hand work off. */
        void committed(P prepared);
    }

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;
    private static final TypeReference<LinkedHashMap<String, Map<String, Object>>> REPORTED = new TypeReference<>() {
    };
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };
    private static final String CALL_COLUMNS = "id, device, active_device, media, state, caller_id, called_id, callees,"
            + " rejected_by, answered_by, user_agent, created_at, accepted_at, connected_at, ended_at, reason,"
            + " ended_by, deadline, version, seq";

    private final DataSource db;
    private final GroupCommit commits;
    @SuppressWarnings("rawtypes")
    private final EffectWriter effects;

    public JdbcCallStore(DataSource db, GroupCommit commits, EffectWriter<?> effects) {
        this.db = db;
        this.commits = commits;
        this.effects = effects;
    }

    /** A store with its own writer, whose events are written one by one by {@code events}. */
    public JdbcCallStore(DataSource db, EventWriter events) {
        this(db, new GroupCommit(db, 64, java.time.Duration.ofMillis(5)), new EffectWriter<Decision>() {
            @Override
            public Decision prepare(Decision decision) {
                return decision.effects().stream().anyMatch(Effect.Event.class::isInstance) ? decision : null;
            }

            @Override
            public void write(Connection connection, Decision decision) throws SQLException {
                for (Effect effect : decision.effects()) {
                    if (effect instanceof Effect.Event e) {
                        events.write(connection, e.event());
                    }
                }
            }

            @Override
            public void committed(Decision decision) {
            }
        });
    }

    @Override
    public Optional<Call> find(String callId) {
        return one("SELECT " + CALL_COLUMNS + " FROM calls WHERE id = ?", callId);
    }

    @Override
    public Optional<Call> active(DeviceId device) {
        return one("SELECT " + CALL_COLUMNS + " FROM calls WHERE active_device = ?", device.toString());
    }

    @Override
    public List<Call> search(CallQuery q) {
        StringBuilder sql = new StringBuilder("SELECT " + CALL_COLUMNS + " FROM calls c WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.device() != null) {
            sql.append(" AND device = ?");
            args.add(q.device().toString());
        }
        if (q.user() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM call_callees u WHERE u.call_id = c.id AND u.user_id = ?)");
            args.add(q.user());
        }
        if (q.state() != null) {
            sql.append(" AND state = ?");
            args.add(q.state().name());
        }
        if (q.reason() != null) {
            sql.append(" AND reason = ?");
            args.add(q.reason().name());
        }
        if (q.from() != null) {
            sql.append(" AND created_at >= ?");
            args.add(q.from().toEpochMilli());
        }
        if (q.to() != null) {
            sql.append(" AND created_at < ?");
            args.add(q.to().toEpochMilli());
        }
        sql.append(" ORDER BY created_at DESC, id LIMIT ? OFFSET ?");
        args.add(q.limit());
        args.add(q.offset());
        return calls(sql.toString(), args.toArray());
    }

    @Override
    public List<String> boundUsers(DeviceId device) {
        return Sql.query(db, "reading the users bound to " + device,
                "SELECT user_id FROM device_users WHERE device = ? ORDER BY user_id", r -> r.getString(1),
                device.toString());
    }

    @Override
    public Optional<String> deviceSecret(DeviceId device) {
        return Sql.query(db, "reading the secret of " + device, "SELECT secret FROM device_secrets WHERE device = ?",
                r -> r.getString(1), device.toString()).stream().findFirst();
    }

    @Override
    public Optional<Registered> deviceByClientId(String clientId) {
        return Sql.query(db, "finding the device of a client id", "SELECT device, secret FROM device_secrets"
                + " WHERE client_id = ?", r -> new Registered(DeviceId.parse(r.getString(1)), r.getString(2)), clientId)
                .stream().findFirst();
    }

    @Override
    public List<Registered> registeredDevices() {
        return Sql.query(db, "listing the registered devices", "SELECT device, secret FROM device_secrets ORDER BY device",
                r -> new Registered(DeviceId.parse(r.getString(1)), r.getString(2)));
    }

    @Override
    public void setDeviceSecret(DeviceId device, String base64Secret) {
        replaceRow("device_secrets", device, base64Secret == null ? null : ins -> {
            ins.setString(2, base64Secret);
            ins.setLong(3, System.currentTimeMillis());
            ins.setString(4, DeviceCredentials.clientId(device));
        }, "INSERT INTO device_secrets (device, secret, updated_at, client_id) VALUES (?, ?, ?, ?)", "the secret");
    }

    /** A row's own statement parameters after the device (parameter 1). */
    private interface Binder {
        void bind(PreparedStatement insert) throws SQLException;
    }

    /**
     * The device's row of the table replaced in one transaction (delete, then insert: the same on H2 and
     * PostgreSQL); {@code binder} null only deletes.
     */
    private void replaceRow(String table, DeviceId device, Binder binder, String insert, String what) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM " + table + " WHERE device = ?");
                    PreparedStatement ins = c.prepareStatement(insert)) {
                del.setString(1, device.toString());
                del.executeUpdate();
                if (binder != null) {
                    ins.setString(1, device.toString());
                    binder.bind(ins);
                    ins.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("setting " + what + " of " + device, e);
        }
    }

    @Override
    public void bindUsers(DeviceId device, List<String> users) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM device_users WHERE device = ?");
                    PreparedStatement ins = c.prepareStatement("INSERT INTO device_users (device, user_id) VALUES (?, ?)")) {
                del.setString(1, device.toString());
                del.executeUpdate();
                for (String user : new LinkedHashSet<>(users)) {
                    ins.setString(1, device.toString());
                    ins.setString(2, user);
                    ins.addBatch();
                }
                ins.executeBatch();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("binding users to " + device, e);
        }
    }

    @Override
    public boolean isBound(DeviceId device, String userId) {
        return !Sql.query(db, "checking user " + userId + " on " + device,
                "SELECT 1 FROM device_users WHERE device = ? AND user_id = ?", r -> r.getInt(1),
                device.toString(), userId).isEmpty();
    }

    @Override
    public Optional<DeviceState> deviceState(DeviceId device) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT reported, last_report_at, last_report, version FROM device_states WHERE device = ?")) {
            s.setString(1, device.toString());
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                Map<String, DeviceState.Reported> reported = new LinkedHashMap<>();
                JSON.readValue(r.getString(1), REPORTED).forEach((k, v) -> reported.put(k,
                        new DeviceState.Reported(v.get("value"), ((Number) v.get("lastUpdate")).longValue())));
                long lastAt = r.getLong(2);
                Long lastReportAt = r.wasNull() ? null : lastAt;
                return Optional.of(new DeviceState(device, reported, lastReportAt, r.getString(3), r.getLong(4)));
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new StoreException("reading the state of " + device, e);
        }
    }

    @Override
    public List<Call> due(Instant now, int limit) {
        return calls("SELECT " + CALL_COLUMNS + " FROM calls WHERE active_device IS NOT NULL AND deadline <= ?"
                + " ORDER BY deadline LIMIT ?", now.toEpochMilli(), limit);
    }

    @Override
    public boolean commit(Decision d) {
        try {
            return commitAsync(d).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * The decision is written with the next batch of the {@link GroupCommit}: true once it is durable, false when
     * another writer got there first (nothing of it is written). Costly preparation runs here, on the caller's
     * thread, so the single writer only executes statements.
     */
    @Override
    public CompletableFuture<Boolean> commitAsync(Decision d) {
        String state;
        Object prepared;
        List<Kept> kept;
        try {
            state = d.stateAfter() == d.stateBefore() ? null : reportedJson(d.stateAfter());
            prepared = effects.prepare(d);
            kept = kept(d);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return commits.submit(c -> (state == null || writeState(c, d.stateBefore(), d.stateAfter(), state))
                && (d.after() == null || d.after() == d.before() || writeCall(c, d.before(), d.after()))
                && keep(c, kept) && written(c, prepared), prepared == null ? null : () -> effects.committed(prepared));
    }

    /** A control the decision sends, with its params as JSON, made off the writer. */
    private record Kept(String device, String clientToken, String params) {
    }

    private static List<Kept> kept(Decision d) {
        List<Kept> kept = null;
        for (Effect effect : d.effects()) {
            if (effect instanceof Effect.Control control) {
                if (kept == null) {
                    kept = new java.util.ArrayList<>(1);
                }
                try {
                    kept.add(new Kept(control.device().toString(), control.clientToken(),
                            JSON.writeValueAsString(control.params())));
                } catch (JsonProcessingException e) {
                    throw new StoreException("serialising the control for " + control.device(), e);
                }
            }
        }
        return kept;
    }

    /** The newest control replaces the device's kept one (delete, insert: the same on H2 and PostgreSQL). */
    private boolean keep(Connection c, List<Kept> kept) throws SQLException {
        if (kept == null) {
            return true;
        }
        try (PreparedStatement del = c.prepareStatement("DELETE FROM kept_controls WHERE device = ?");
                PreparedStatement ins = c.prepareStatement("INSERT INTO kept_controls (device, client_token, params,"
                        + " created_at) VALUES (?, ?, ?, ?)")) {
            for (Kept k : kept) {
                del.setString(1, k.device());
                del.executeUpdate();
                ins.setString(1, k.device());
                ins.setString(2, k.clientToken());
                ins.setString(3, k.params());
                ins.setLong(4, System.currentTimeMillis());
                ins.executeUpdate();
            }
        }
        return true;
    }

    @Override
    public void setDeviceInfo(DeviceId device, Map<String, Object> info) {
        String json;
        try {
            json = JSON.writeValueAsString(info);
        } catch (JsonProcessingException e) {
            throw new StoreException("serialising the info of " + device, e);
        }
        replaceRow("device_info", device, ins -> {
            ins.setString(2, json);
            ins.setLong(3, System.currentTimeMillis());
        }, "INSERT INTO device_info (device, info, updated_at) VALUES (?, ?, ?)", "the info");
    }

    @Override
    public Optional<Map<String, Object>> deviceInfo(DeviceId device) {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT info FROM device_info WHERE device = ?")) {
            s.setString(1, device.toString());
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? Optional.of(JSON.readValue(r.getString(1), MAP)) : Optional.empty();
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new StoreException("reading the info of " + device, e);
        }
    }

    @Override
    public Optional<KeptControl> keptControl(DeviceId device) {
        try (Connection c = db.getConnection();
                PreparedStatement s = c.prepareStatement("SELECT client_token, params FROM kept_controls"
                        + " WHERE device = ?")) {
            s.setString(1, device.toString());
            try (ResultSet r = s.executeQuery()) {
                if (!r.next()) {
                    return Optional.empty();
                }
                return Optional.of(new KeptControl(device, r.getString(1), JSON.readValue(r.getString(2), MAP)));
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new StoreException("reading the kept control of " + device, e);
        }
    }

    /** In the next batch of the group commit: a control_reply then costs no commit of its own. */
    @Override
    public boolean forgetKeptControl(DeviceId device, String clientToken) {
        String sql = "DELETE FROM kept_controls WHERE device = ?" + (clientToken == null ? "" : " AND client_token = ?");
        try {
            return commits.submit(c -> {
                try (PreparedStatement s = c.prepareStatement(sql)) {
                    s.setString(1, device.toString());
                    if (clientToken != null) {
                        s.setString(2, clientToken);
                    }
                    return s.executeUpdate() > 0;
                }
            }, null).join();
        } catch (CompletionException e) {
            throw new StoreException("forgetting the kept control of " + device, e.getCause());
        }
    }

    private boolean written(Connection c, Object prepared) throws SQLException {
        if (prepared != null) {
            effects.write(c, prepared);
        }
        return true;
    }

    private static String reportedJson(DeviceState after) {
        Map<String, Map<String, Object>> reported = new LinkedHashMap<>();
        after.reported().forEach((k, v) -> {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("value", v.value());
            entry.put("lastUpdate", v.lastUpdate());
            reported.put(k, entry);
        });
        try {
            return JSON.writeValueAsString(reported);
        } catch (JsonProcessingException e) {
            throw new StoreException("serialising the state of " + after.device(), e);
        }
    }

    private boolean writeState(Connection c, DeviceState before, DeviceState after, String json) throws SQLException {
        boolean insert = before == null || before.version() == 0;
        String sql = insert
                ? "INSERT INTO device_states (reported, last_report_at, last_report, version, device) VALUES (?, ?, ?, ?, ?)"
                : "UPDATE device_states SET reported = ?, last_report_at = ?, last_report = ?, version = ?"
                        + " WHERE device = ? AND version = ?";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setString(1, json);
            setLong(s, 2, after.lastReportAt());
            s.setString(3, after.lastReport());
            s.setLong(4, after.version());
            s.setString(5, after.device().toString());
            if (!insert) {
                s.setLong(6, before.version());
            }
            return s.executeUpdate() == 1;
        }
    }

    private boolean writeCall(Connection c, Call before, Call after) throws SQLException {
        if (before == null) {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO calls (" + CALL_COLUMNS + ")"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                bindCall(s, after, 1);
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO call_callees (call_id, user_id) VALUES (?, ?)")) {
                for (String user : after.callees()) {
                    s.setString(1, after.id());
                    s.setString(2, user);
                    s.addBatch();
                }
                s.executeBatch();
            }
            return true;
        }
        try (PreparedStatement s = c.prepareStatement("UPDATE calls SET id = ?, device = ?, active_device = ?,"
                + " media = ?, state = ?, caller_id = ?, called_id = ?, callees = ?, rejected_by = ?, answered_by = ?,"
                + " user_agent = ?, created_at = ?, accepted_at = ?, connected_at = ?, ended_at = ?, reason = ?,"
                + " ended_by = ?, deadline = ?, version = ?, seq = ? WHERE id = ? AND version = ?")) {
            bindCall(s, after, 1);
            s.setString(21, before.id());
            s.setLong(22, before.version());
            return s.executeUpdate() == 1;
        }
    }

    private static void bindCall(PreparedStatement s, Call call, int from) throws SQLException {
        int i = from;
        s.setString(i++, call.id());
        s.setString(i++, call.device().toString());
        s.setString(i++, call.state().active() ? call.device().toString() : null);
        s.setString(i++, call.media().name());
        s.setString(i++, call.state().name());
        s.setString(i++, call.callerId());
        s.setString(i++, call.calledId());
        s.setString(i++, UserIds.join(call.callees()));
        s.setString(i++, UserIds.join(call.rejectedBy().stream().sorted().toList()));
        s.setString(i++, call.answeredBy());
        s.setString(i++, call.userAgent());
        s.setLong(i++, call.createdAt().toEpochMilli());
        setInstant(s, i++, call.acceptedAt());
        setInstant(s, i++, call.connectedAt());
        setInstant(s, i++, call.endedAt());
        s.setString(i++, call.reason() == null ? null : call.reason().name());
        s.setString(i++, call.endedBy());
        setInstant(s, i++, call.deadline());
        s.setLong(i++, call.version());
        s.setInt(i, call.seq());
    }

    private static Call read(ResultSet r) throws SQLException {
        String reason = r.getString("reason");
        return new Call(r.getString("id"), DeviceId.parse(r.getString("device")),
                Media.valueOf(r.getString("media")), CallState.valueOf(r.getString("state")),
                r.getString("caller_id"), r.getString("called_id"), split(r.getString("callees")),
                new LinkedHashSet<>(split(r.getString("rejected_by"))), r.getString("answered_by"),
                r.getString("user_agent"), instant(r, "created_at"), instant(r, "accepted_at"),
                instant(r, "connected_at"), instant(r, "ended_at"), reason == null ? null : EndReason.valueOf(reason),
                r.getString("ended_by"), instant(r, "deadline"), r.getLong("version"), r.getInt("seq"));
    }

    private Optional<Call> one(String sql, Object... args) {
        List<Call> found = calls(sql, args);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    private List<Call> calls(String sql, Object... args) {
        return Sql.query(db, "reading calls", sql, JdbcCallStore::read, args);
    }

    private static List<String> split(String joined) {
        return joined == null || joined.isEmpty() ? List.of() : Arrays.asList(joined.split(";"));
    }

    private static Instant instant(ResultSet r, String column) throws SQLException {
        long ms = r.getLong(column);
        return r.wasNull() ? null : Instant.ofEpochMilli(ms);
    }

    private static void setInstant(PreparedStatement s, int i, Instant at) throws SQLException {
        setLong(s, i, at == null ? null : at.toEpochMilli());
    }

    private static void setLong(PreparedStatement s, int i, Long value) throws SQLException {
        if (value == null) {
            s.setNull(i, Types.BIGINT);
        } else {
            s.setLong(i, value);
        }
    }

    /**
     * Integrity constraint violations (SQLState class 23) and transaction rollbacks such as a deadlock between two
     * instances (class 40): another writer got there first, so the caller decides again.
     */
    static boolean isConflict(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            String state = x.getSQLState();
            if (state != null && (state.startsWith("23") || state.startsWith("40"))) {
                return true;
            }
        }
        return false;
    }
}
