package io.callbridge.webhook;

import io.callbridge.call.CallEngine;
import io.callbridge.call.Decision;
import io.callbridge.call.DeviceReport;
import io.callbridge.call.Effect;
import io.callbridge.call.MutableClock;
import io.callbridge.store.GroupCommit;
import io.callbridge.thing.DeviceId;
import org.flywaydb.core.Flyway;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.jdbcx.JdbcDataSource;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The outbox on a real H2 file database, with the one writer the application uses. */
class OutboxTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private final List<Outbox.Entry> routesOffered = new CopyOnWriteArrayList<>();
    private static final List<String> URLS = List.of("http://127.0.0.1:9/a", "http://127.0.0.1:9/b");

    @TempDir
    Path dir;

    private Connection keeper;
    private JdbcDataSource db;
    private GroupCommit commits;
    private Outbox outbox;
    private MutableClock clock;
    private CallEngine engine;
    private final List<Outbox.Entry> webhooksOffered = new CopyOnWriteArrayList<>();
    private final List<Outbox.Entry> controlsOffered = new CopyOnWriteArrayList<>();
    private volatile boolean webhookRoom = true;

    @BeforeEach
    void open() throws Exception {
        db = new JdbcDataSource();
        db.setURL("jdbc:h2:file:" + dir.resolve("cb") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;WRITE_DELAY=0");
        keeper = db.getConnection();
        Flyway.configure().dataSource(db).locations("classpath:db/migration").load().migrate();
        clock = new MutableClock(T0);
        commits = new GroupCommit(db, 64, Duration.ofMillis(5));
        outbox = new Outbox(db, commits, URLS, policy(Duration.ofSeconds(60)), policy(Duration.ofHours(24)),
                policy(Duration.ofSeconds(60)), Duration.ofSeconds(14), clock);
        outbox.senders(e -> webhookRoom && webhooksOffered.add(e), controlsOffered::add, routesOffered::add);
        engine = new CallEngine(new CallEngine.Settings(Duration.ofSeconds(60), Duration.ofSeconds(20)), clock,
                () -> UUID.randomUUID().toString());
    }

    @AfterEach
    void close() throws Exception {
        commits.close();
        keeper.close();
    }

    private static Outbox.Policy policy(Duration window) {
        return new Outbox.Policy(Duration.ofMillis(500), Duration.ofSeconds(4), window);
    }

    @Test
    void aCommittedEventIsWrittenClaimedAndHandedToItsSenderOncePerReceiver() {
        Decision ring = ring();
        commit(ring);
        await().atMost(Duration.ofSeconds(5)).until(() -> webhooksOffered.size() == 2);
        assertEquals(URLS, webhooksOffered.stream().map(Outbox.Entry::url).toList());
        String id = webhooksOffered.get(0).webhookId();
        assertEquals("evt_" + ring.after().id() + "_1", id);
        assertTrue(webhooksOffered.stream().allMatch(e -> e.id() > 0), "the rows' ids came back from the insert");
        // Claimed by this instance: the poller does not take them while their first attempt runs.
        assertEquals(0, outbox.claimDue(100));
        assertEquals(2, outbox.deliveries(id).size());
    }

    @Test
    void rowsCostNoCommitOfTheirOwn() throws Exception {
        // H2 commits on its own each time the outbox's identity runs out of cached ids (32 by default).
        MVStore store = ((SessionLocal) keeper.unwrap(JdbcConnection.class).getSession()).getDatabase().getStore()
                .getMvStore();
        long before = store.getCurrentVersion();
        int transitions = 200;
        for (int i = 0; i < transitions; i++) {
            commit(ring());
        }
        long commitsMade = store.getCurrentVersion() - before;
        assertTrue(commitsMade <= transitions + 1, commitsMade + " store commits for " + transitions
                + " transitions of " + URLS.size() + " rows each");
    }

    @Test
    void aRouteReceiverGetsEveryEventThroughTheRouteSender() {
        List<Outbox.Entry> http = new CopyOnWriteArrayList<>();
        Outbox both = new Outbox(db, commits, List.of("http://127.0.0.1:9/a", "direct:forward-call-ended"),
                policy(Duration.ofSeconds(60)), policy(Duration.ofHours(24)), policy(Duration.ofSeconds(60)),
                Duration.ofSeconds(14), clock);
        both.senders(http::add, controlsOffered::add, routesOffered::add);
        Decision ring = ring();
        List<Outbox.Entry> rows = both.prepare(ring);
        commits.submit(c -> {
            both.write(c, rows);
            return true;
        }, () -> both.committed(rows)).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> routesOffered.size() == 1 && http.size() == 1);
        Outbox.Entry routed = routesOffered.get(0);
        assertTrue(routed.route() && !routed.control(), routed.url());
        assertEquals("direct:forward-call-ended", routed.url());
        assertEquals(http.get(0).webhookId(), routed.webhookId());
        assertEquals(http.get(0).body(), routed.body(), "the route gets the webhook's own JSON");
    }

    @Test
    void aControlIsARowForTheDevicesDownTopicAndGoesToTheControlSender() {
        DeviceId device = new DeviceId("PCTRL", "d1");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("_sys_video_call_status", 0);
        commit(new Decision(null, null, null, null, List.of(new Effect.Control(device, "cb-call-7", params)), null));
        await().atMost(Duration.ofSeconds(5)).until(() -> controlsOffered.size() == 1);
        Outbox.Entry control = controlsOffered.get(0);
        assertTrue(control.control());
        assertEquals("$thing/down/property/PCTRL/d1", control.topic());
        assertEquals(Outbox.CONTROL, control.type());
        assertTrue(control.body().contains("\"clientToken\":\"cb-call-7\""), control.body());
        assertTrue(webhooksOffered.isEmpty());
    }

    @Test
    void aFullSenderLeavesTheRowToThePollerAtOnce() {
        webhookRoom = false;
        commit(ring());
        assertTrue(webhooksOffered.isEmpty());
        webhookRoom = true;
        // Well within the 14 s claim: the refused rows were released, not left claimed.
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            outbox.claimDue(100);
            return webhooksOffered.size() == 2;
        });
    }

    @Test
    void settlementsAreRecordedAndRetriesFollowThePolicy() {
        commit(ring());
        await().atMost(Duration.ofSeconds(5)).until(() -> webhooksOffered.size() == 2);
        Outbox.Entry a = webhooksOffered.get(0);
        Outbox.Entry b = webhooksOffered.get(1);
        outbox.delivered(a);
        assertEquals(Outbox.Status.PENDING, outbox.failed(b, 503, "HTTP 503", null));
        await().atMost(Duration.ofSeconds(5)).until(() -> status(a) == Outbox.Status.DELIVERED);
        await().atMost(Duration.ofSeconds(5)).until(() -> lastStatus(b) != null);
        assertEquals(Outbox.Status.PENDING, status(b));
        assertEquals(0, outbox.claimDue(100), "not due before its retry delay");
        clock.advance(Duration.ofMillis(600));
        webhooksOffered.clear();
        assertEquals(1, outbox.claimDue(100), "due after the first retry delay (500 ms)");
        assertEquals(b.id(), webhooksOffered.get(0).id());
        assertEquals(Outbox.Status.GONE, outbox.failed(webhooksOffered.get(0), 410, "HTTP 410", null));
    }

    @Test
    void settledDeliveriesPastTheRetentionAreForgottenPendingOnesNever() {
        commit(ring());
        await().atMost(Duration.ofSeconds(5)).until(() -> webhooksOffered.size() == 2);
        Outbox.Entry a = webhooksOffered.get(0);
        outbox.delivered(a);
        await().atMost(Duration.ofSeconds(5)).until(() -> status(a) == Outbox.Status.DELIVERED);

        assertEquals(0, outbox.forget(T0, 100), "nothing is older than its own creation");
        assertEquals(1, outbox.forget(T0.plusSeconds(1), 100), "the delivered row goes");
        List<Outbox.Entry> left = outbox.deliveries(a.webhookId());
        assertEquals(1, left.size());
        assertNotEquals(a.id(), left.get(0).id());
        assertEquals(Outbox.Status.PENDING, left.get(0).status(), "a pending delivery is never forgotten");
    }

    private Decision ring() {
        DeviceId device = new DeviceId("P" + UUID.randomUUID().toString().substring(0, 8), "d1");
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("_sys_video_call_status", 1);
        p.put("_sys_userid", "20001");
        p.put("_sys_caller_id", device.toString());
        p.put("_sys_called_id", "20001");
        return engine.onReport(new DeviceReport(device, "t1", T0.toEpochMilli(), p), null, null);
    }

    /** What the call store does for a decision: the outbox's rows in the writer's transaction. */
    private void commit(Decision d) {
        List<Outbox.Entry> rows = outbox.prepare(d);
        assertTrue(commits.submit(c -> {
            outbox.write(c, rows);
            return true;
        }, () -> outbox.committed(rows)).join());
    }

    private Outbox.Status status(Outbox.Entry e) {
        return find(e).status();
    }

    private Integer lastStatus(Outbox.Entry e) {
        return find(e).lastStatus();
    }

    private Outbox.Entry find(Outbox.Entry e) {
        List<Outbox.Entry> all = new ArrayList<>(outbox.deliveries(e.webhookId()));
        return all.stream().filter(x -> x.id() == e.id()).findFirst().orElseThrow();
    }
}
