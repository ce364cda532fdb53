package io.callbridge.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.callbridge.call.Access;
import io.callbridge.call.AppCommand;
import io.callbridge.call.Call;
import io.callbridge.call.CallEngine;
import io.callbridge.call.CallEvent;
import io.callbridge.call.CallQuery;
import io.callbridge.call.CallService;
import io.callbridge.call.CallState;
import io.callbridge.call.CallStore;
import io.callbridge.call.Decision;
import io.callbridge.call.DeviceReport;
import io.callbridge.call.DeviceState;
import io.callbridge.call.Effect;
import io.callbridge.call.EndReason;
import io.callbridge.call.MutableClock;
import io.callbridge.call.Refusal;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Media;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link JdbcCallStore} against a real database: H2 (file, PostgreSQL mode) always, and PostgreSQL too when
 * {@code QUARKUS_DATASOURCE_JDBC_URL} points at one. The PostgreSQL database may be shared with other test runs:
 * every device and user id here is made from a fresh UUID, every query a test asserts on is limited to them (or,
 * for {@code due}, to a time window no other call reaches), and no row of anybody else is touched.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("databases")
class JdbcCallStoreTest {

    /** The app users of these tests are bound to the device: they may call it. */
    static final Supplier<Access.Relation> BOUND = () -> Access.Relation.BOUND;

    static final String PG_URL = "QUARKUS_DATASOURCE_JDBC_URL";
    static final Instant T0 = Instant.parse("2024-05-01T10:00:00.123Z");
    static final Duration RING = Duration.ofSeconds(30);
    static final Duration CONNECT = Duration.ofSeconds(20);
    static final String VIDEO = Media.VIDEO.statusProperty();
    static final String UA = "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)";

    /** H2 always; PostgreSQL only where CI (or a developer) names one. */
    static List<String> databases() {
        List<String> databases = new ArrayList<>(List.of("h2"));
        String url = System.getenv(PG_URL);
        if (url != null && !url.isBlank()) {
            databases.add("postgresql");
        }
        return databases;
    }

    @Parameter
    String database;

    @TempDir
    Path tmp;

    final String run = UUID.randomUUID().toString().replace("-", "");
    final AtomicInteger callIds = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    int devices;
    int tokens;
    long timestamp;
    String u1;
    String u2;
    String u3;
    String u4;
    String u7;
    String url;
    String schema;
    String user;
    String password;
    DataSource db;
    /** Keeps the H2 file database open for the whole test (it closes with its last connection otherwise). */
    Connection keeper;
    MutableClock clock;
    CallEngine engine;
    JdbcCallStore store;
    CallService service;

    /** What the store's EventWriter was given, and which version of the call it saw inside and outside its transaction. */
    record Written(CallEvent event, long versionInside, Long versionOutside) {
    }

    final List<Written> written = Collections.synchronizedList(new ArrayList<>());
    volatile String failOn;
    volatile Exception failure;

    @BeforeEach
    void open() throws SQLException {
        if (database.equals("h2")) {
            url = "jdbc:h2:file:" + tmp.resolve("cb") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;WRITE_DELAY=0";
            user = "callbridge";
            password = "callbridge";
            JdbcDataSource h2 = new JdbcDataSource();
            h2.setURL(url);
            h2.setUser(user);
            h2.setPassword(password);
            db = h2;
        } else {
            url = System.getenv(PG_URL);
            user = System.getenv("QUARKUS_DATASOURCE_USERNAME");
            password = System.getenv("QUARKUS_DATASOURCE_PASSWORD");
            PGSimpleDataSource pg = new PGSimpleDataSource();
            pg.setURL(url);
            // A schema of its own: a running CallBridge on the same database (its deadline poller) must not touch
            // the calls this test creates at its own clock's time.
            schema = "store_test_" + run;
            pg.setCurrentSchema(schema);
            if (user != null) {
                pg.setUser(user);
            }
            if (password != null) {
                pg.setPassword(password);
            }
            db = pg;
        }
        keeper = db.getConnection();
        var flyway = Flyway.configure().dataSource(db).locations("classpath:db/migration");
        if (schema != null) {
            flyway.schemas(schema).createSchemas(true);
        }
        flyway.load().migrate();
        u1 = "u1-" + run;
        u2 = "u2-" + run;
        u3 = "u3-" + run;
        u4 = "u4-" + run;
        u7 = "u7-" + run;
        timestamp = T0.toEpochMilli();
        clock = new MutableClock(T0);
        // The deadline tests move the clock days back under reports stamped from T0: no skew limit here.
        engine = new CallEngine(new CallEngine.Settings(RING, CONNECT, Duration.ofSeconds(10), Duration.ofDays(365)), clock,
                () -> "call-" + run + "-" + callIds.incrementAndGet());
        store = new JdbcCallStore(db, this::write);
        service = new CallService(engine, store);
    }

    @AfterEach
    void close() throws SQLException {
        if (keeper != null) {
            if (schema != null) {
                try (Statement s = keeper.createStatement()) {
                    s.execute("DROP SCHEMA " + schema + " CASCADE");
                }
            }
            keeper.close();
        }
    }

    // ---- a whole call, every field read back ----

    @Test
    void wholeCall_throughTheService_readsBackEveryFieldOfTheCallAndTheDeviceState() {
        DeviceId device = newDevice();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("battery", 87);
        extra.put("label", "front door");
        extra.put("uptime", 5_000_000_000L);
        extra.put("ratio", 0.75);
        extra.put("muted", true);
        extra.put("wifi", Map.of("ssid", "home", "rssi", -61, "bands", List.of(2.4, 5)));
        extra.put("recent", List.of("a", 1, false, Map.of("k", "v")));

        Decision ring = service.report(report(device, 1, users(u1, u2, u3, u4), extra));
        long ringTs = timestamp;
        assertNull(ring.refusal());
        String id = ring.after().id();
        Call ringing = store.find(id).orElseThrow();
        assertEquals(ring.after(), ringing);
        assertEquals(ringing, store.active(device).orElseThrow());
        assertEquals("call-" + run + "-1", ringing.id());
        assertEquals(device, ringing.device());
        assertEquals(Media.VIDEO, ringing.media());
        assertEquals(CallState.RINGING, ringing.state());
        assertEquals(device.toString(), ringing.callerId());
        assertEquals(users(u1, u2, u3, u4), ringing.calledId());
        assertEquals(List.of(u1, u2, u3, u4), ringing.callees(), "callees in the order the device named them");
        assertEquals(Set.of(), ringing.rejectedBy());
        assertNull(ringing.answeredBy());
        assertEquals(UA, ringing.userAgent());
        assertEquals(T0, ringing.createdAt());
        assertNull(ringing.acceptedAt());
        assertNull(ringing.connectedAt());
        assertNull(ringing.endedAt());
        assertNull(ringing.reason());
        assertNull(ringing.endedBy());
        assertEquals(T0.plus(RING), ringing.deadline());
        assertEquals(1, ringing.version());
        assertEquals(1, ringing.seq());

        DeviceState state = store.deviceState(device).orElseThrow();
        assertEquals(ring.stateAfter(), state);
        assertEquals(device, state.device());
        Map<String, Object> values = state.values();
        assertEquals(1, values.get(VIDEO));
        assertEquals(87, values.get("battery"));
        assertEquals("front door", values.get("label"));
        assertEquals(5_000_000_000L, values.get("uptime"));
        assertEquals(0.75, values.get("ratio"));
        assertEquals(true, values.get("muted"));
        assertEquals(Map.of("ssid", "home", "rssi", -61, "bands", List.of(2.4, 5)), values.get("wifi"));
        assertEquals(List.of("a", 1, false, Map.of("k", "v")), values.get("recent"));
        assertEquals(users(u1, u2, u3, u4), values.get("_sys_userid"));
        assertEquals(12, values.size());
        state.reported().forEach((k, v) -> assertEquals(ringTs, v.lastUpdate(), k));
        assertEquals(ringTs, state.lastReportAt());
        assertNotNull(state.lastReport());
        assertEquals(ring.stateAfter().lastReport(), state.lastReport());
        assertTrue(state.lastReport().startsWith("tok-1|" + ringTs + "|"), state.lastReport());
        assertEquals(1, state.version());

        clock.advance(Duration.ofMillis(1500));
        assertNull(service.app(app(device, u3, 0)).refusal());
        clock.advance(Duration.ofMillis(250));
        Decision reject = service.app(app(device, u4, 0));
        assertNull(reject.refusal());
        Call rejected = store.find(id).orElseThrow();
        assertEquals(reject.after(), rejected);
        assertEquals(CallState.RINGING, rejected.state());
        assertEquals(Set.of(u3, u4), rejected.rejectedBy());
        assertEquals(T0.plus(RING), rejected.deadline());
        assertEquals(3, rejected.version());
        assertEquals(3, rejected.seq());

        clock.advance(Duration.ofMillis(2222));
        Instant acceptedAt = clock.instant();
        Decision accept = service.app(app(device, u1, 1));
        assertNull(accept.refusal());
        Call accepted = store.find(id).orElseThrow();
        assertEquals(accept.after(), accepted);
        assertEquals(CallState.ACCEPTED, accepted.state());
        assertEquals(u1, accepted.answeredBy());
        assertEquals(acceptedAt, accepted.acceptedAt());
        assertEquals(acceptedAt.plus(CONNECT), accepted.deadline());
        assertEquals(Set.of(u3, u4), accepted.rejectedBy());
        assertEquals(4, accepted.version());
        assertEquals(5, accepted.seq());
        assertEquals(state, store.deviceState(device).orElseThrow(), "an app command leaves the device state alone");

        clock.advance(Duration.ofMillis(3001));
        Instant connectedAt = clock.instant();
        Decision connect = service.report(report(device, 2, users(u1, u2, u3, u4)));
        long connectTs = timestamp;
        assertNull(connect.refusal());
        Call connected = store.find(id).orElseThrow();
        assertEquals(connect.after(), connected);
        assertEquals(CallState.CONNECTED, connected.state());
        assertEquals(connectedAt, connected.connectedAt());
        assertNull(connected.deadline());
        DeviceState inCall = store.deviceState(device).orElseThrow();
        assertEquals(connect.stateAfter(), inCall);
        assertEquals(2, inCall.values().get(VIDEO));
        assertEquals(connectTs, inCall.reported().get(VIDEO).lastUpdate());
        assertEquals(87, inCall.values().get("battery"), "properties not in this report are kept");
        assertEquals(ringTs, inCall.reported().get("battery").lastUpdate());
        assertEquals(connectTs, inCall.lastReportAt());
        assertEquals(2, inCall.version());

        clock.advance(Duration.ofMillis(61_999));
        Instant endedAt = clock.instant();
        Decision end = service.report(report(device, 0, users(u1, u2, u3, u4)));
        assertNull(end.refusal());
        assertEquals(Optional.empty(), store.active(device));
        Call ended = store.find(id).orElseThrow();
        assertEquals(end.after(), ended);
        assertEquals(id, ended.id());
        assertEquals(device, ended.device());
        assertEquals(Media.VIDEO, ended.media());
        assertEquals(CallState.ENDED, ended.state());
        assertEquals(device.toString(), ended.callerId());
        assertEquals(users(u1, u2, u3, u4), ended.calledId());
        assertEquals(List.of(u1, u2, u3, u4), ended.callees());
        assertEquals(Set.of(u3, u4), ended.rejectedBy());
        assertEquals(u1, ended.answeredBy());
        assertEquals(UA, ended.userAgent());
        assertEquals(T0, ended.createdAt());
        assertEquals(acceptedAt, ended.acceptedAt());
        assertEquals(connectedAt, ended.connectedAt());
        assertEquals(endedAt, ended.endedAt());
        assertEquals(EndReason.HANGUP, ended.reason());
        assertEquals(device.toString(), ended.endedBy());
        assertNull(ended.deadline());
        assertEquals(6, ended.version());
        assertEquals(7, ended.seq());
        assertEquals(Duration.ofMillis(1500 + 250 + 2222), ended.ringDuration(), "milliseconds survive the store");
        assertEquals(Duration.ofMillis(61_999), ended.talkDuration());

        DeviceState idle = store.deviceState(device).orElseThrow();
        assertEquals(end.stateAfter(), idle);
        assertEquals(0, idle.values().get(VIDEO));
        assertEquals(timestamp, idle.lastReportAt());
        assertEquals(3, idle.version());

        List<CallEvent> events = writtenEvents(id);
        assertEquals(List.of(CallEvent.RINGING, CallEvent.REJECTED, CallEvent.REJECTED, CallEvent.ACCEPTED,
                CallEvent.ANSWERED_ELSEWHERE, CallEvent.CONNECTED, CallEvent.ENDED),
                events.stream().map(CallEvent::type).toList());
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), events.stream().map(CallEvent::seq).toList());
        assertEquals(events.stream().map(CallEvent::id).toList(), outbox(id));

        assertEquals(List.of(ended), store.byDevice(device, 10));
        Decision again = service.report(report(device, 1, users(u2)));
        assertEquals("call-" + run + "-2", again.after().id(), "after the end the device can ring again");
        assertEquals(again.after(), store.active(device).orElseThrow());
        assertEquals(List.of(again.after(), ended), store.byDevice(device, 10));
    }

    @Test
    void deviceState_lastReportAtIsNullUntilAReportCarriesATimestamp() {
        DeviceId device = newDevice();
        assertEquals(Optional.empty(), store.deviceState(device));
        assertEquals(Optional.empty(), store.active(device));
        assertEquals(Optional.empty(), store.find("call-" + run + "-none"));

        clock.advance(Duration.ofMillis(777));
        Decision first = service.report(new DeviceReport(device, "tok-a", null, Map.of(VIDEO, 0, "battery", 50)));
        assertNull(first.refusal());
        DeviceState untimed = store.deviceState(device).orElseThrow();
        assertEquals(first.stateAfter(), untimed);
        assertNull(untimed.lastReportAt());
        assertEquals(clock.millis(), untimed.reported().get("battery").lastUpdate(), "stamped with the server's time");
        assertTrue(untimed.lastReport().startsWith("tok-a|null|"), untimed.lastReport());
        assertEquals(1, untimed.version());
        assertEquals(Optional.empty(), store.active(device), "an idle report starts no call");

        long ts = 1_700_000_000_000L;
        Decision second = service.report(new DeviceReport(device, "tok-b", ts, Map.of("battery", 49)));
        DeviceState timed = store.deviceState(device).orElseThrow();
        assertEquals(second.stateAfter(), timed);
        assertEquals(ts, timed.lastReportAt());
        assertEquals(49, timed.values().get("battery"));
        assertEquals(ts, timed.reported().get("battery").lastUpdate());
        assertEquals(0, timed.values().get(VIDEO));
        assertEquals(clock.millis(), timed.reported().get(VIDEO).lastUpdate());
        assertEquals(2, timed.version());

        Decision older = service.report(new DeviceReport(device, "tok-c", ts - 1, Map.of("battery", 10)));
        assertTrue(older.unchanged(), "a report older than the stored lastReportAt is dropped");
        assertEquals(timed, store.deviceState(device).orElseThrow());
    }

    // ---- compare-and-set ----

    @Test
    void commit_refusesAStaleCallDecision_andWritesNothingOfIt() {
        DeviceId device = newDevice();
        Call ringing = ring(device, u1, u2);
        DeviceState state = store.deviceState(device).orElseThrow();
        Decision first = engine.onApp(app(device, u1, 1), ringing, BOUND);
        Decision second = engine.onApp(app(device, u2, 1), ringing, BOUND);
        Decision rejectBySecond = engine.onApp(app(device, u2, 0), ringing, BOUND);
        // A report decided from the same ringing call and the current device state: its state write goes
        // through, its call update does not, so the state write must be undone.
        Decision connect = engine.onReport(report(device, 2, users(u1, u2)), state, ringing);
        assertNull(first.refusal());
        assertNull(second.refusal(), "on its own, each accept would win");
        assertNull(rejectBySecond.refusal());
        assertNull(connect.refusal());
        assertNotEquals(state, connect.stateAfter());

        assertTrue(store.commit(first));
        int writes = written.size();
        assertFalse(store.commit(second));
        assertFalse(store.commit(rejectBySecond));
        assertFalse(store.commit(connect));

        assertEquals(first.after(), store.find(ringing.id()).orElseThrow());
        assertEquals(first.after(), store.active(device).orElseThrow());
        assertEquals(u1, store.active(device).orElseThrow().answeredBy());
        assertEquals(state, store.deviceState(device).orElseThrow());
        assertEquals(writes, written.size(), "no event of a lost decision reaches the writer");
        List<String> expected = new ArrayList<>(List.of("evt_" + ringing.id() + "_1"));
        events(first).forEach(e -> expected.add(e.id()));
        assertEquals(expected, outbox(ringing.id()));
    }

    @Test
    void commit_refusesAStaleDeviceState_onTheFirstReportAndLater() {
        DeviceId device = newDevice();
        // Two first reports decided at once: both would insert the device's state.
        Decision a = engine.onReport(report(device, 0, u1, Map.of("battery", 80)), null, null);
        Decision b = engine.onReport(report(device, 0, u1, Map.of("battery", 81)), null, null);
        assertTrue(store.commit(a));
        assertFalse(store.commit(b));
        assertEquals(a.stateAfter(), store.deviceState(device).orElseThrow());
        assertEquals(80, store.deviceState(device).orElseThrow().values().get("battery"));

        // Two reports decided from the same stored version; the second would also start a call.
        DeviceState stored = store.deviceState(device).orElseThrow();
        Decision c = engine.onReport(report(device, 0, u1, Map.of("battery", 70)), stored, null);
        Decision d = engine.onReport(report(device, 1, u1, Map.of()), stored, null);
        assertNotNull(d.after(), "d rings");
        assertTrue(store.commit(c));
        int writes = written.size();
        assertFalse(store.commit(d));

        DeviceState now = store.deviceState(device).orElseThrow();
        assertEquals(c.stateAfter(), now);
        assertEquals(70, now.values().get("battery"));
        assertEquals(2, now.version());
        assertEquals(Optional.empty(), store.active(device));
        assertEquals(Optional.empty(), store.find(d.after().id()));
        assertEquals(0, calleeRows(device, u1), "no callee rows of the refused call");
        assertEquals(writes, written.size());
        assertEquals(List.of(), outbox(d.after().id()));
    }

    @Test
    void commit_refusesASecondActiveCallForTheDevice_andRollsBackItsStateWrite() {
        DeviceId device = newDevice();
        Call first = ring(device, u1);
        DeviceState state = store.deviceState(device).orElseThrow();
        // Another instance decided a ring from the current device state but without seeing the active call:
        // its state write succeeds, its call insert meets the unique index on active_device.
        Decision stale = engine.onReport(report(device, 1, u7, Map.of("battery", 3)), state, null);
        assertNotNull(stale.after());
        assertNotEquals(first.id(), stale.after().id());
        int writes = written.size();

        assertFalse(store.commit(stale));
        assertEquals(first, store.active(device).orElseThrow());
        assertEquals(Optional.empty(), store.find(stale.after().id()));
        assertEquals(state, store.deviceState(device).orElseThrow(), "the state update was rolled back with the call");
        assertEquals(0, calleeRows(device, u7), "no callee rows left behind");
        assertEquals(List.of(first), store.byDevice(device, 10));

        Decision callOnly = new Decision(null, stale.after(), null, null, stale.effects(), null);
        assertFalse(store.commit(callOnly));
        assertEquals(first, store.active(device).orElseThrow());
        assertEquals(Optional.empty(), store.find(stale.after().id()));
        assertEquals(writes, written.size());
        assertEquals(List.of(), outbox(stale.after().id()));

        Decision cancel = service.report(report(device, 0, u1, Map.of()));
        assertEquals(CallState.ENDED, cancel.after().state());
        clock.advance(Duration.ofSeconds(1));
        Call second = ring(device, u7);
        assertEquals(second, store.active(device).orElseThrow(), "once the first call ended the index lets a new one in");
        assertEquals(List.of(second, cancel.after()), store.byDevice(device, 10));
    }

    /** Two callees accept at once: the service that loses the compare-and-set decides again and is refused. */
    @Test
    void lostRace_throughTheService_theLoserIsRefusedAnsweredElsewhere() {
        DeviceId device = newDevice();
        Call ringing = ring(device, u1, u2);
        List<Boolean> results = new ArrayList<>();
        AtomicBoolean raced = new AtomicBoolean();
        CallStore racing = (CallStore) Proxy.newProxyInstance(CallStore.class.getClassLoader(),
                new Class<?>[] {CallStore.class}, (proxy, method, args) -> {
                    boolean commit = method.getName().equals("commit");
                    if (commit && raced.compareAndSet(false, true)) {
                        // Another instance, reading the same ringing call, commits u1's accept first.
                        Call seen = store.active(device).orElseThrow();
                        assertTrue(store.commit(engine.onApp(app(device, u1, 1), seen, BOUND)));
                    }
                    Object result;
                    try {
                        result = method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (commit) {
                        results.add((Boolean) result);
                    }
                    return result;
                });

        Decision d = new CallService(engine, racing).app(app(device, u2, 1));

        assertEquals(List.of(false), results, "u2's accept lost once, and its retry was refused, not written");
        assertNotNull(d.refusal());
        assertEquals(Refusal.Kind.ANSWERED_ELSEWHERE, d.refusal().kind());
        Call stored = store.active(device).orElseThrow();
        assertEquals(CallState.ACCEPTED, stored.state());
        assertEquals(u1, stored.answeredBy());
        assertEquals(2, stored.version());
        assertEquals(List.of(CallEvent.RINGING, CallEvent.ACCEPTED, CallEvent.ANSWERED_ELSEWHERE),
                writtenEvents(ringing.id()).stream().map(CallEvent::type).toList());
        assertEquals(3, outbox(ringing.id()).size());
    }

    /** Real concurrency: two transactions commit at the same moment, the database lets exactly one through. */
    @Test
    void concurrentCommits_exactlyOneWins() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                DeviceId device = newDevice();
                Call ringing = ring(device, u1, u2);
                Decision a = engine.onApp(app(device, u1, 1), ringing, BOUND);
                Decision b = engine.onApp(app(device, u2, 1), ringing, BOUND);
                List<Boolean> won = race(threads, a, b);
                assertEquals(1, won.stream().filter(w -> w).count(), "accepts, round " + round + ": " + won);
                Decision winner = won.get(0) ? a : b;
                assertEquals(winner.after(), store.find(ringing.id()).orElseThrow());
                List<String> expected = new ArrayList<>(List.of("evt_" + ringing.id() + "_1"));
                events(winner).forEach(e -> expected.add(e.id()));
                assertEquals(expected, outbox(ringing.id()));

                // Two first rings of a new device: both insert the state and an active call.
                DeviceId fresh = newDevice();
                Decision r1 = engine.onReport(report(fresh, 1, u1, Map.of()), null, null);
                Decision r2 = engine.onReport(report(fresh, 1, u2, Map.of()), null, null);
                won = race(threads, r1, r2);
                assertEquals(1, won.stream().filter(w -> w).count(), "rings, round " + round + ": " + won);
                Decision first = won.get(0) ? r1 : r2;
                Decision lost = won.get(0) ? r2 : r1;
                assertEquals(first.after(), store.active(fresh).orElseThrow());
                assertEquals(first.stateAfter(), store.deviceState(fresh).orElseThrow());
                assertEquals(Optional.empty(), store.find(lost.after().id()));
                assertEquals(List.of(), outbox(lost.after().id()));
            }
        } finally {
            threads.shutdownNow();
        }
    }

    // ---- deadlines ----

    @Test
    void due_returnsOnlyActiveCallsWhoseDeadlineHasPassed_andRespectsTheLimit() throws SQLException {
        Instant start = beforeEveryActiveDeadline();
        clock.set(start);
        DeviceId a = newDevice();
        DeviceId b = newDevice();
        DeviceId c = newDevice();
        DeviceId d = newDevice();
        DeviceId e = newDevice();
        DeviceId f = newDevice();
        Call ringA = ring(a, u1); // deadline start + 30 s
        clock.set(start.plusSeconds(5));
        Call ringB = ring(b, u1); // start + 35 s
        clock.set(start.plusSeconds(10));
        ring(c, u1);
        ring(d, u1);
        clock.set(start.plusSeconds(12));
        assertNull(service.app(app(c, u1, 1)).refusal()); // connect deadline start + 32 s
        assertNull(service.app(app(d, u1, 1)).refusal());
        clock.set(start.plusSeconds(13));
        assertEquals(CallState.CONNECTED, service.report(report(d, 2, u1, Map.of())).after().state()); // no deadline
        clock.set(start.plusSeconds(40));
        Call ringE = ring(e, u1); // start + 70 s
        // An ended call that (against the engine's habits) still carries a past deadline: not due.
        Call endedWithDeadline = new Call("call-" + run + "-ended", f, Media.VIDEO, CallState.ENDED, f.toString(),
                u1, List.of(u1), Set.of(), null, UA, start, null, null, start.plusSeconds(1), EndReason.CANCELED,
                f.toString(), start, 1, 2);
        assertTrue(store.commit(new Decision(null, endedWithDeadline, null, null, List.of(), null)));
        assertEquals(endedWithDeadline, store.find(endedWithDeadline.id()).orElseThrow());

        Call acceptedC = store.active(c).orElseThrow();
        assertEquals(start.plusSeconds(32), acceptedC.deadline());
        assertEquals(List.of(), store.due(start.plusSeconds(30).minusMillis(1), 10), "nothing before the first deadline");
        assertEquals(List.of(ringA), store.due(start.plusSeconds(30), 10), "a deadline equal to now is due");

        Instant now = start.plusSeconds(35);
        List<Call> due = store.due(now, 10);
        assertEquals(3, due.size(), due.toString());
        assertEquals(Set.of(ringA, ringB, acceptedC), new HashSet<>(due));
        List<Call> two = store.due(now, 2);
        assertEquals(2, two.size());
        assertTrue(due.containsAll(two));
        assertEquals(1, store.due(now, 1).size());

        clock.set(now);
        Map<String, EndReason> fired = service.fireDeadlines(10).stream()
                .collect(Collectors.toMap(x -> x.after().id(), x -> x.after().reason()));
        assertEquals(Map.of(ringA.id(), EndReason.NO_ANSWER, ringB.id(), EndReason.NO_ANSWER,
                acceptedC.id(), EndReason.FAILED), fired);
        assertEquals(List.of(), store.due(now, 10));
        assertEquals(CallState.CONNECTED, store.active(d).orElseThrow().state());
        assertEquals(ringE, store.active(e).orElseThrow());
        assertEquals(List.of(ringE), store.due(start.plusSeconds(70), 10));
    }

    // ---- history ----

    /** Four calls of one device a minute apart, ending differently, and one call of another device. */
    record History(DeviceId device, DeviceId other, Call rejected, Call noAnswer, Call hangUp, Call ringing,
            Call otherRinging) {
    }

    History history() {
        DeviceId device = newDevice();
        DeviceId other = newDevice();
        clock.set(T0);
        String c1 = ring(device, u1, u2).id();
        assertNull(service.app(app(device, u1, 0)).refusal());
        assertNull(service.app(app(device, u2, 0)).refusal());

        clock.set(T0.plus(Duration.ofMinutes(1)));
        String c2 = ring(device, u1).id();
        clock.set(T0.plus(Duration.ofMinutes(1)).plus(RING));
        assertTrue(store.commit(engine.onDeadline(store.find(c2).orElseThrow())));

        clock.set(T0.plus(Duration.ofMinutes(2)));
        String c3 = ring(device, u2).id();
        assertNull(service.app(app(device, u2, 1)).refusal());
        service.report(report(device, 2, u2, Map.of()));
        service.report(report(device, 0, u2, Map.of()));

        clock.set(T0.plus(Duration.ofMinutes(3)));
        String c4 = ring(device, u1, u3).id();
        clock.set(T0.plus(Duration.ofMinutes(4)));
        String c5 = ring(other, u3).id();

        History h = new History(device, other, store.find(c1).orElseThrow(), store.find(c2).orElseThrow(),
                store.find(c3).orElseThrow(), store.find(c4).orElseThrow(), store.find(c5).orElseThrow());
        assertEquals(EndReason.REJECTED, h.rejected().reason());
        assertEquals(EndReason.NO_ANSWER, h.noAnswer().reason());
        assertEquals(EndReason.HANGUP, h.hangUp().reason());
        assertEquals(CallState.RINGING, h.ringing().state());
        return h;
    }

    @Test
    void search_byDevice_newestFirst() {
        History h = history();
        assertEquals(List.of(h.ringing(), h.hangUp(), h.noAnswer(), h.rejected()),
                store.search(CallQuery.ofDevice(h.device(), 10)));
        assertEquals(List.of(h.ringing(), h.hangUp(), h.noAnswer(), h.rejected()), store.byDevice(h.device(), 10));
        assertEquals(List.of(h.otherRinging()), store.byDevice(h.other(), 10));
        assertEquals(List.of(), store.byDevice(newDevice(), 10));
    }

    @Test
    void search_byUser_acrossDevices() {
        History h = history();
        assertEquals(List.of(h.ringing(), h.noAnswer(), h.rejected()), store.search(query(null, u1)));
        assertEquals(List.of(h.hangUp(), h.rejected()), store.search(query(null, u2)));
        assertEquals(List.of(h.otherRinging(), h.ringing()), store.search(query(null, u3)));
        assertEquals(List.of(h.ringing()), store.search(query(h.device(), u3)));
        assertEquals(List.of(), store.search(query(null, u4)));
    }

    @Test
    void search_byStateAndByReason() {
        History h = history();
        DeviceId dev = h.device();
        assertEquals(List.of(h.ringing()), store.search(new CallQuery(dev, null, CallState.RINGING, null, null, null, 10, 0)));
        assertEquals(List.of(h.hangUp(), h.noAnswer(), h.rejected()),
                store.search(new CallQuery(dev, null, CallState.ENDED, null, null, null, 10, 0)));
        assertEquals(List.of(), store.search(new CallQuery(dev, null, CallState.ACCEPTED, null, null, null, 10, 0)));
        assertEquals(List.of(h.rejected()), store.search(new CallQuery(dev, null, null, EndReason.REJECTED, null, null, 10, 0)));
        assertEquals(List.of(h.noAnswer()), store.search(new CallQuery(dev, null, null, EndReason.NO_ANSWER, null, null, 10, 0)));
        assertEquals(List.of(h.hangUp()), store.search(new CallQuery(dev, null, null, EndReason.HANGUP, null, null, 10, 0)));
        assertEquals(List.of(), store.search(new CallQuery(dev, null, null, EndReason.BUSY, null, null, 10, 0)));
        assertEquals(List.of(h.otherRinging(), h.ringing()),
                store.search(new CallQuery(null, u3, CallState.RINGING, null, null, null, 10, 0)));
        assertEquals(List.of(h.rejected()), store.search(new CallQuery(null, u2, CallState.ENDED, EndReason.REJECTED,
                null, null, 10, 0)));
    }

    @Test
    void search_byCreationTime_fromInclusive_toExclusive() {
        History h = history();
        DeviceId dev = h.device();
        Instant m1 = T0.plus(Duration.ofMinutes(1));
        Instant m2 = T0.plus(Duration.ofMinutes(2));
        Instant m3 = T0.plus(Duration.ofMinutes(3));
        assertEquals(m1, h.noAnswer().createdAt());
        assertEquals(m3, h.ringing().createdAt());
        assertEquals(List.of(h.hangUp(), h.noAnswer()), store.search(new CallQuery(dev, null, null, null, m1, m3, 10, 0)));
        assertEquals(List.of(h.hangUp()), store.search(new CallQuery(dev, null, null, null, m1.plusMillis(1), m3, 10, 0)));
        assertEquals(List.of(h.ringing(), h.hangUp()), store.search(new CallQuery(dev, null, null, null, m2, null, 10, 0)));
        assertEquals(List.of(h.rejected()), store.search(new CallQuery(dev, null, null, null, null, m1, 10, 0)));
        assertEquals(List.of(h.noAnswer(), h.rejected()),
                store.search(new CallQuery(dev, null, null, null, null, m1.plusMillis(1), 10, 0)));
        assertEquals(List.of(h.otherRinging(), h.ringing()), store.search(new CallQuery(null, u3, null, null, m3, null, 10, 0)));
    }

    @Test
    void search_pagesWithLimitAndOffset_newestFirst() {
        History h = history();
        DeviceId dev = h.device();
        assertEquals(List.of(h.ringing(), h.hangUp()), store.search(new CallQuery(dev, null, null, null, null, null, 2, 0)));
        assertEquals(List.of(h.noAnswer(), h.rejected()), store.search(new CallQuery(dev, null, null, null, null, null, 2, 2)));
        assertEquals(List.of(h.rejected()), store.search(new CallQuery(dev, null, null, null, null, null, 2, 3)));
        assertEquals(List.of(), store.search(new CallQuery(dev, null, null, null, null, null, 2, 4)));
        assertEquals(List.of(h.hangUp()), store.search(new CallQuery(dev, null, null, null, null, null, 1, 1)));
        assertEquals(List.of(h.noAnswer()), store.search(new CallQuery(null, u1, null, null, null, null, 1, 1)));
    }

    // ---- bindings ----

    @Test
    void bindUsers_replacesTheSet() {
        DeviceId device = newDevice();
        DeviceId other = newDevice();
        assertEquals(List.of(), store.boundUsers(device));

        store.bindUsers(device, List.of(u2, u1, u3));
        assertEquals(Set.of(u1, u2, u3), new HashSet<>(store.boundUsers(device)));
        assertEquals(3, store.boundUsers(device).size());

        store.bindUsers(device, List.of(u4, u1, u4));
        assertEquals(Set.of(u1, u4), new HashSet<>(store.boundUsers(device)), "replaced, not added to");
        assertEquals(2, store.boundUsers(device).size(), "a user named twice is bound once");

        store.bindUsers(other, List.of(u7));
        assertEquals(Set.of(u1, u4), new HashSet<>(store.boundUsers(device)));
        assertEquals(List.of(u7), store.boundUsers(other));

        store.bindUsers(device, List.of());
        assertEquals(List.of(), store.boundUsers(device));
        assertEquals(List.of(u7), store.boundUsers(other));
    }

    @Test
    void keptControl_isWrittenWithItsTransitionReplacedAndForgotten() {
        DeviceId device = newDevice();
        assertNull(service.report(report(device, 1, users(u1), Map.of())).refusal());
        assertEquals(Optional.empty(), store.keptControl(device), "a ring sends no control");

        Decision accept = service.app(app(device, u1, 1));
        assertNull(accept.refusal());
        Effect.Control sent = accept.effects().stream().filter(Effect.Control.class::isInstance)
                .map(Effect.Control.class::cast).findFirst().orElseThrow();
        CallStore.KeptControl kept = store.keptControl(device).orElseThrow();
        assertEquals(sent.clientToken(), kept.clientToken());
        assertEquals(sent.params(), kept.params(), "the params as they were sent, types and all");

        Decision hangUp = service.app(app(device, u1, 0));
        assertNull(hangUp.refusal());
        CallStore.KeptControl newer = store.keptControl(device).orElseThrow();
        assertNotEquals(kept.clientToken(), newer.clientToken(), "a newer control replaces the kept one");
        assertEquals(0, newer.params().get(VIDEO));

        assertFalse(store.forgetKeptControl(device, kept.clientToken()), "an answer to the old control forgets nothing");
        assertTrue(store.keptControl(device).isPresent());
        assertTrue(store.forgetKeptControl(device, newer.clientToken()));
        assertEquals(Optional.empty(), store.keptControl(device));

        assertNull(service.report(report(device, 0, users(u1), Map.of())).refusal());
        assertNull(service.report(report(device, 1, users(u1), Map.of())).refusal());
        assertNull(service.app(app(device, u1, 0)).refusal());
        assertTrue(store.keptControl(device).isPresent(), "the reject's control 0");
        assertTrue(store.forgetKeptControl(device, null), "clear_control forgets whatever is kept");
        assertEquals(Optional.empty(), store.keptControl(device));
    }

    @Test
    void deviceSecret_isSetReplacedAndRemovedPerDevice() {
        DeviceId device = newDevice();
        DeviceId other = newDevice();
        assertEquals(Optional.empty(), store.deviceSecret(device));

        store.setDeviceSecret(device, "c2VjcmV0LWtleS1mb3ItZGV2aWNlMDE=");
        store.setDeviceSecret(other, "b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ==");
        assertEquals(Optional.of("c2VjcmV0LWtleS1mb3ItZGV2aWNlMDE="), store.deviceSecret(device));

        store.setDeviceSecret(device, "cm90YXRlZC1zZWNyZXQtZm9yLWRldmljZQ==");
        assertEquals(Optional.of("cm90YXRlZC1zZWNyZXQtZm9yLWRldmljZQ=="), store.deviceSecret(device), "replaced");

        // The registry as a Mosquitto password file and ACL see it: every device with its current secret, in id order.
        List<CallStore.Registered> ours = registered(device, other);
        assertEquals(java.util.stream.Stream.of(new CallStore.Registered(device, "cm90YXRlZC1zZWNyZXQtZm9yLWRldmljZQ=="),
                new CallStore.Registered(other, "b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ=="))
                .sorted(java.util.Comparator.comparing(r -> r.device().toString())).toList(), ours);

        store.setDeviceSecret(device, null);
        assertEquals(Optional.empty(), store.deviceSecret(device));
        assertEquals(Optional.of("b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ=="), store.deviceSecret(other));
        assertEquals(List.of(new CallStore.Registered(other, "b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ==")),
                registered(device, other), "a removed device is no longer listed");
    }

    /** The registered devices among these (the database may hold other tests' devices too). */
    private List<CallStore.Registered> registered(DeviceId... devices) {
        List<DeviceId> wanted = List.of(devices);
        return store.registeredDevices().stream().filter(r -> wanted.contains(r.device())).toList();
    }

    @Test
    void access_boundUsersUseTheDevice_calleesJoinOnlyWhileTheRingLasts() {
        DeviceId device = newDevice();
        DeviceId other = newDevice();
        assertFalse(store.isBound(device, u1));
        assertFalse(service.mayJoinMedia(device, u1));

        store.bindUsers(device, List.of(u4));
        ring(device, u1, u2);
        assertTrue(service.mayJoinMedia(device, u1), "callee of the ring");
        assertFalse(service.mayUseDevice(device, u1), "being rung is not being bound");
        assertFalse(service.mayJoinMedia(device, u3));
        service.report(report(device, 0, users(u1, u2), Map.of()));
        assertEquals(Optional.empty(), store.active(device));

        assertTrue(store.isBound(device, u4));
        assertTrue(service.mayUseDevice(device, u4));
        assertTrue(service.mayJoinMedia(device, u4), "bound");
        assertFalse(service.mayJoinMedia(device, u1), "past callee");
        assertFalse(service.mayJoinMedia(device, u2), "past callee");

        ring(other, u3);
        assertTrue(service.mayJoinMedia(other, u3));
        assertFalse(service.mayJoinMedia(device, u3), "a callee of another device's call");
        assertFalse(service.mayJoinMedia(other, u4), "bound to another device");

        store.bindUsers(device, List.of());
        assertFalse(store.isBound(device, u4));
        assertFalse(service.mayJoinMedia(device, u4), "no longer bound");
    }

    // ---- the event writer ----

    @Test
    void eventWriter_getsEveryEventOfACommittedDecision_insideItsTransaction() {
        DeviceId device = newDevice();
        Decision ring = service.report(report(device, 1, users(u1, u2), Map.of()));
        String id = ring.after().id();
        assertEquals(events(ring), writtenEvents(id));
        assertEquals(List.of(1L), written.stream().map(Written::versionInside).toList(),
                "the writer's connection sees the call being written");
        assertEquals(Collections.singletonList(null), written.stream().map(Written::versionOutside).toList(),
                "nobody else does before the commit");

        written.clear();
        Decision accept = service.app(app(device, u1, 1));
        assertEquals(2, events(accept).size());
        assertEquals(1, accept.effects().stream().filter(Effect.Control.class::isInstance).count());
        assertEquals(events(accept), writtenEvents(id), "every event, in order, and no control");
        assertEquals(List.of(2L, 2L), written.stream().map(Written::versionInside).toList());
        assertEquals(List.of(1L, 1L), written.stream().map(Written::versionOutside).toList());
        assertEquals(List.of("evt_" + id + "_1", "evt_" + id + "_2", "evt_" + id + "_3"), outbox(id));

        written.clear();
        assertEquals(Refusal.Kind.NOT_BOUND, service.app(app(device, u7, 1)).refusal().kind());
        DeviceReport idle = report(newDevice(), 0, u1, Map.of("battery", 9));
        Decision stateOnly = service.report(idle);
        assertNotNull(store.deviceState(idle.device()).orElseThrow());
        assertEquals(stateOnly.stateAfter(), store.deviceState(idle.device()).orElseThrow());
        assertTrue(service.report(idle).unchanged(), "redelivered");
        assertEquals(List.of(), written, "refusals, event-less and unchanged decisions write no events");
        assertEquals(3, outbox(id).size());
    }

    @Test
    void eventWriter_sqlException_rollsBackTheWholeCommit_andPropagates() {
        DeviceId device = newDevice();
        Call ringing = ring(device, u1, u2);
        DeviceState state = store.deviceState(device).orElseThrow();
        SQLException full = new SQLException("outbox refused the row", "HY000");
        failOn = CallEvent.CONNECTED;
        failure = full;
        written.clear();

        StoreException thrown = assertThrows(StoreException.class,
                () -> service.report(report(device, 2, users(u1, u2), Map.of("battery", 5))));
        assertSame(full, thrown.getCause());
        assertEquals(List.of(CallEvent.ANSWERED_ELSEWHERE, CallEvent.CONNECTED),
                written.stream().map(w -> w.event().type()).toList(), "the writer ran for both events");
        assertRolledBack(ringing, state, "plain");

        failOn = null;
        Decision retry = service.report(report(device, 2, users(u1, u2), Map.of("battery", 5)));
        assertEquals(retry.after(), store.find(ringing.id()).orElseThrow());
        assertEquals(CallState.CONNECTED, retry.after().state());
        assertEquals(retry.stateAfter(), store.deviceState(device).orElseThrow());
        assertEquals(3, outbox(ringing.id()).size());
    }

    /**
     * An unchecked exception from the writer must roll back too, whatever the DataSource does with a connection
     * closed in the middle of a transaction: a pool such as Agroal (the application's) resets auto-commit on the
     * connection it takes back, and JDBC commits a pending transaction when auto-commit is switched on.
     */
    @Test
    void eventWriter_uncheckedException_rollsBackTheWholeCommit_onPlainAndPooledConnections() throws SQLException {
        try (AgroalDataSource pooled = pooled()) {
            for (DataSource source : List.of(db, pooled)) {
                String which = source == db ? "plain" : "pooled";
                CallService through = new CallService(engine, new JdbcCallStore(source, this::write));
                DeviceId device = newDevice();
                Call ringing = ring(device, u1, u2);
                DeviceState state = store.deviceState(device).orElseThrow();
                IllegalStateException boom = new IllegalStateException("outbox writer broke");
                failOn = CallEvent.CONNECTED;
                failure = boom;

                RuntimeException thrown = assertThrows(IllegalStateException.class,
                        () -> through.report(report(device, 2, users(u1, u2), Map.of("battery", 5))), which);
                assertSame(boom, thrown, which);
                failOn = null;
                assertRolledBack(ringing, state, which);

                Decision retry = through.report(report(device, 2, users(u1, u2), Map.of("battery", 5)));
                assertEquals(retry.after(), store.find(ringing.id()).orElseThrow(), which);
                assertEquals(retry.stateAfter(), store.deviceState(device).orElseThrow(), which);
                assertEquals(3, outbox(ringing.id()).size(), which);
            }
        }
    }

    void assertRolledBack(Call ringing, DeviceState state, String which) {
        assertEquals(ringing, store.find(ringing.id()).orElseThrow(), which + ": call unchanged");
        assertEquals(ringing, store.active(ringing.device()).orElseThrow(), which);
        assertEquals(state, store.deviceState(ringing.device()).orElseThrow(), which + ": device state unchanged");
        assertEquals(List.of("evt_" + ringing.id() + "_1"), outbox(ringing.id()),
                which + ": no outbox row of the failed commit, not even of the events before the failure");
    }

    // ---- helpers ----

    DeviceId newDevice() {
        return new DeviceId("CB" + run, "device" + (++devices));
    }

    static String users(String... ids) {
        return String.join(";", ids);
    }

    static CallQuery query(DeviceId device, String user) {
        return new CallQuery(device, user, null, null, null, null, 10, 0);
    }

    Call ring(DeviceId device, String... callees) {
        Decision d = service.report(report(device, 1, users(callees), Map.of()));
        assertNull(d.refusal());
        assertEquals(CallState.RINGING, d.after().state());
        assertEquals(d.after(), store.active(device).orElseThrow());
        return d.after();
    }

    DeviceReport report(DeviceId device, int status, String users) {
        return report(device, status, users, Map.of());
    }

    /** A device's report as the seed writes it; {@code users} goes in both userid and called id. */
    DeviceReport report(DeviceId device, int status, String users, Map<String, Object> extra) {
        timestamp += 1000;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(VIDEO, status);
        p.put("_sys_userid", users);
        p.put("_sys_caller_id", device.toString());
        p.put("_sys_called_id", users);
        p.put("_sys_user_agent", UA);
        p.putAll(extra);
        return new DeviceReport(device, "tok-" + (++tokens), timestamp, p);
    }

    /** An app's Data as the seed writes it, for one user. */
    static AppCommand app(DeviceId device, String user, int status) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(VIDEO, status);
        p.put("username", "father");
        p.put("_sys_userid", user);
        p.put("_sys_caller_id", device.toString());
        p.put("_sys_called_id", user);
        p.put("_sys_user_agent", UA);
        return new AppCommand(device, user, p);
    }

    static List<CallEvent> events(Decision d) {
        return d.effects().stream().filter(Effect.Event.class::isInstance).map(e -> ((Effect.Event) e).event())
                .toList();
    }

    List<CallEvent> writtenEvents(String callId) {
        synchronized (written) {
            return written.stream().map(Written::event).filter(e -> e.call().id().equals(callId)).toList();
        }
    }

    /** The EventWriter: an outbox row per event, in the commit's transaction; fails on {@link #failOn}. */
    void write(Connection c, CallEvent e) throws SQLException {
        long inside;
        try (PreparedStatement s = c.prepareStatement("SELECT version FROM calls WHERE id = ?")) {
            s.setString(1, e.call().id());
            try (ResultSet r = s.executeQuery()) {
                inside = r.next() ? r.getLong(1) : -1;
            }
        }
        Long outside = store.find(e.call().id()).map(Call::version).orElse(null);
        try (PreparedStatement s = c.prepareStatement("INSERT INTO webhook_outbox (webhook_id, url, event_type, call_id,"
                + " body, urgent, status, attempts, created_at, next_attempt_at, give_up_at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)")) {
            long at = e.at().toEpochMilli();
            s.setString(1, e.id());
            s.setString(2, outboxUrl() + "#" + writes.incrementAndGet());
            s.setString(3, e.type());
            s.setString(4, e.call().id());
            s.setString(5, "{}");
            s.setBoolean(6, false);
            s.setString(7, "test");
            s.setLong(8, at);
            s.setLong(9, at);
            s.setLong(10, at);
            s.executeUpdate();
        }
        written.add(new Written(e, inside, outside));
        if (e.type().equals(failOn)) {
            if (failure instanceof SQLException q) {
                throw q;
            }
            throw (RuntimeException) failure;
        }
    }

    /**
     * A receiver URL of this test instance only, so no other run's outbox rows are ever counted; each row gets its
     * own ({@code #n}) so that the outbox's unique index never turns a stale decision's event into a conflict: the
     * compare-and-set tests must see the store's own checks at work.
     */
    String outboxUrl() {
        return "test://jdbc-call-store/" + run;
    }

    /** The event ids of the call's outbox rows, in the order they were written. */
    int calleeRows(DeviceId device, String user) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT COUNT(*) FROM calls k JOIN call_callees u ON u.call_id = k.id WHERE k.device = ? AND u.user_id = ?")) {
            s.setString(1, device.toString());
            s.setString(2, user);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<String> outbox(String callId) {
        try (Connection c = db.getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT webhook_id FROM webhook_outbox WHERE call_id = ? AND url LIKE ? ORDER BY id")) {
            s.setString(1, callId);
            s.setString(2, outboxUrl() + "#%");
            List<String> ids = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    ids.add(r.getString(1));
                }
            }
            return ids;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@code due} looks at every device, so its test runs its clock at a time before any active call's deadline
     * (other runs sharing the database leave calls behind), a day earlier and at a random offset so two runs at
     * once do not share a window.
     */
    Instant beforeEveryActiveDeadline() throws SQLException {
        long floor = T0.toEpochMilli();
        try (Connection c = db.getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT MIN(deadline) FROM calls WHERE active_device IS NOT NULL")) {
            if (r.next()) {
                long min = r.getLong(1);
                if (!r.wasNull()) {
                    floor = Math.min(floor, min);
                }
            }
        }
        return Instant.ofEpochMilli(floor).minus(Duration.ofDays(1))
                .minusMillis(ThreadLocalRandom.current().nextLong(1_000_000_000L));
    }

    List<Boolean> race(ExecutorService threads, Decision a, Decision b) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Future<Boolean> fa = threads.submit(() -> {
            go.await();
            return store.commit(a);
        });
        Future<Boolean> fb = threads.submit(() -> {
            go.await();
            return store.commit(b);
        });
        go.countDown();
        return List.of(fa.get(60, TimeUnit.SECONDS), fb.get(60, TimeUnit.SECONDS));
    }

    /** A connection pool over the same database, as the application gets from Quarkus (Agroal). */
    AgroalDataSource pooled() throws SQLException {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(pool -> pool.maxSize(1)
                        .connectionFactoryConfiguration(factory -> {
                            factory.jdbcUrl(schema == null ? url
                                    : url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
                            if (user != null) {
                                factory.principal(new NamePrincipal(user));
                            }
                            if (password != null) {
                                factory.credential(new SimplePassword(password));
                            }
                            return factory;
                        })));
    }
}
