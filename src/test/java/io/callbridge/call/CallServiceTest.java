package io.callbridge.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Media;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine run against {@link InMemoryCallStore}: whole calls, compare-and-set, retries, deadlines. */
class CallServiceTest {

    /** The app users of these tests are bound to the device: they may call it. */
    static final Supplier<Access.Relation> BOUND = () -> Access.Relation.BOUND;

    static final DeviceId DEVICE = CallEngineTest.DEVICE;
    static final DeviceId OTHER_DEVICE = DeviceId.parse("OIUYKJHGBV/device02");
    static final Instant T0 = CallEngineTest.T0;
    static final Duration RING = CallEngineTest.RING;
    static final Duration CONNECT = CallEngineTest.CONNECT;

    MutableClock clock;
    CallEngine engine;
    InMemoryCallStore store;
    CallService service;
    int callsCreated;
    long timestamp;
    int tokens;
    final List<CallEvent> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        callsCreated = 0;
        engine = new CallEngine(new CallEngine.Settings(RING, CONNECT), clock, () -> "call-" + (++callsCreated));
        store = new InMemoryCallStore();
        service = new CallService(engine, store);
        timestamp = T0.toEpochMilli();
        tokens = 0;
        events.clear();
    }

    @Test
    void wholeCall_ringAcceptConnectHangUp() {
        Decision ring = collect(service.report(report(1, "20001")));
        assertNull(ring.refusal());
        Call ringing = store.active(DEVICE).orElseThrow();
        assertEquals(CallState.RINGING, ringing.state());
        assertEquals(ringing, store.find("call-1").orElseThrow());
        assertEquals(1, store.deviceState(DEVICE).orElseThrow().values().get(Media.VIDEO.statusProperty()));

        clock.advance(Duration.ofSeconds(5));
        Decision accept = collect(service.app(app("20001", 1)));
        assertNull(accept.refusal());
        assertEquals(CallState.ACCEPTED, store.active(DEVICE).orElseThrow().state());
        assertEquals(1, CallEngineTest.controls(accept).size());
        assertEquals(1, CallEngineTest.controls(accept).get(0).params().get(Media.VIDEO.statusProperty()));

        clock.advance(Duration.ofSeconds(2));
        collect(service.report(report(2, "20001")));
        assertEquals(CallState.CONNECTED, store.active(DEVICE).orElseThrow().state());

        clock.advance(Duration.ofSeconds(30));
        Decision end = collect(service.report(report(0, "20001")));
        assertNull(end.refusal());
        assertEquals(Optional.empty(), store.active(DEVICE));
        Call ended = store.find("call-1").orElseThrow();
        assertEquals(CallState.ENDED, ended.state());
        assertEquals(EndReason.HANGUP, ended.reason());
        assertEquals(DEVICE.toString(), ended.endedBy());
        assertEquals("20001", ended.answeredBy());
        assertEquals(Duration.ofSeconds(5), ended.ringDuration());
        assertEquals(Duration.ofSeconds(30), ended.talkDuration());
        assertEquals(List.of(ended), store.byDevice(DEVICE, 10));
        assertFalse(service.mayJoinMedia(DEVICE, "20001"), "the call is over: its callee keeps no right");

        assertEquals(List.of(CallEvent.RINGING, CallEvent.ACCEPTED, CallEvent.CONNECTED, CallEvent.ENDED),
                CallEngineTest.types(events));
        assertEquals(List.of(1, 2, 3, 4), CallEngineTest.seqs(events));
        assertEquals(List.of("evt_call-1_1", "evt_call-1_2", "evt_call-1_3", "evt_call-1_4"),
                events.stream().map(CallEvent::id).toList());

        DeviceState state = store.deviceState(DEVICE).orElseThrow();
        assertEquals(0, state.values().get(Media.VIDEO.statusProperty()));
        assertEquals(3, state.version(), "three reports written");
        assertEquals(timestamp, state.lastReportAt());

        Decision next = service.report(report(1, "20001"));
        assertEquals("call-2", next.after().id(), "after the end the device can ring again");
        assertEquals(2, store.byDevice(DEVICE, 10).size());
    }

    @Test
    void redeliveredReport_throughTheService_isWrittenOnce() {
        DeviceReport ring = report(1, "20001");
        service.report(ring);
        DeviceState stored = store.deviceState(DEVICE).orElseThrow();

        Decision again = service.report(ring);
        assertTrue(again.unchanged());
        assertEquals(List.of(), again.effects());
        assertSame(stored, store.deviceState(DEVICE).orElseThrow());
        assertEquals(1, store.byDevice(DEVICE, 10).size());
    }

    @Test
    void commit_refusesAStaleDecision() {
        service.report(report(1, "u1;u2"));
        Call ringing = store.active(DEVICE).orElseThrow();
        Decision first = engine.onApp(app("u1", 1), ringing, BOUND);
        Decision second = engine.onApp(app("u2", 1), ringing, BOUND);
        assertNull(first.refusal());
        assertNull(second.refusal(), "on its own, each accept would win");

        assertTrue(store.commit(first));
        assertFalse(store.commit(second));
        assertEquals("u1", store.active(DEVICE).orElseThrow().answeredBy());

        Decision late = service.app(app("u2", 1));
        assertEquals(Refusal.Kind.ANSWERED_ELSEWHERE, late.refusal().kind());
        assertEquals("u1", store.active(DEVICE).orElseThrow().answeredBy());
    }

    @Test
    void commit_refusesAStaleDeviceState() {
        service.report(report(0, "20001"));
        DeviceState state = store.deviceState(DEVICE).orElseThrow();
        Decision a = engine.onReport(report(1, "20001"), state, null);
        Decision b = engine.onReport(report(2, "20001"), state, null);

        assertTrue(store.commit(a));
        assertFalse(store.commit(b));
        assertEquals(1, store.deviceState(DEVICE).orElseThrow().values().get(Media.VIDEO.statusProperty()));
    }

    @Test
    void commit_refusesASecondActiveCallForTheDevice() {
        service.report(report(1, "20001"));
        Call first = store.active(DEVICE).orElseThrow();
        // A ring decided as if the device had no call (another instance with a stale view, and no state check).
        Decision stale = engine.onReport(report(1, "u7"), null, null);
        Decision callOnly = new Decision(null, stale.after(), null, null, stale.effects(), null);

        assertFalse(store.commit(callOnly));
        assertEquals(first, store.active(DEVICE).orElseThrow());
        assertEquals(Optional.empty(), store.find(stale.after().id()));
    }

    /** Two callees accept at once: the service that loses the compare-and-set decides again and refuses. */
    @Test
    void racingAccepts_theLoserRetriesAndGetsAnsweredElsewhere() {
        service.report(report(1, "u1;u2"));
        RacingStore racing = new RacingStore(store);
        racing.beforeFirstCommit = () -> {
            Call ringing = store.active(DEVICE).orElseThrow();
            assertTrue(store.commit(engine.onApp(app("u1", 1), ringing, BOUND)), "the other instance wins");
        };
        CallService loser = new CallService(engine, racing);

        Decision d = loser.app(app("u2", 1));

        assertEquals(List.of(false), racing.results, "u2's first decision lost the race and was not retried blindly");
        assertNotNull(d.refusal());
        assertEquals(Refusal.Kind.ANSWERED_ELSEWHERE, d.refusal().kind());
        Call stored = store.active(DEVICE).orElseThrow();
        assertEquals(CallState.ACCEPTED, stored.state());
        assertEquals("u1", stored.answeredBy());
    }

    /** A report that races an accept is decided again against the accepted call and still applies. */
    @Test
    void racingReportAndAccept_theReportIsRedecided() {
        service.report(report(1, "20001"));
        RacingStore racing = new RacingStore(store);
        racing.beforeFirstCommit = () -> assertNull(service.app(app("20001", 1)).refusal());
        CallService reporter = new CallService(engine, racing);

        Decision d = reporter.report(report(2, "20001"));

        assertEquals(List.of(false, true), racing.results);
        assertEquals(CallState.CONNECTED, d.after().state());
        assertEquals(CallEngineTest.types(CallEngineTest.events(d)), List.of(CallEvent.CONNECTED));
        assertEquals(3, d.after().version());
        assertEquals(d.after(), store.active(DEVICE).orElseThrow());
    }

    @Test
    void fireDeadlines_endsARingingCallAfterTheRingTimeoutAndNotBefore() {
        service.report(report(1, "20001"));
        clock.advance(RING.minusMillis(1));
        assertEquals(List.of(), service.fireDeadlines(10));
        assertEquals(CallState.RINGING, store.active(DEVICE).orElseThrow().state());

        clock.advance(Duration.ofMillis(1));
        List<Decision> fired = service.fireDeadlines(10);
        assertEquals(1, fired.size());
        Call ended = fired.get(0).after();
        assertEquals(CallState.ENDED, ended.state());
        assertEquals(EndReason.NO_ANSWER, ended.reason());
        assertEquals(CallEngine.SERVER, ended.endedBy());
        assertEquals(0, CallEngineTest.controls(fired.get(0)).get(0).params().get(Media.VIDEO.statusProperty()));
        assertEquals(Optional.empty(), store.active(DEVICE));
        assertEquals(ended, store.find(ended.id()).orElseThrow());

        clock.advance(Duration.ofMinutes(5));
        assertEquals(List.of(), service.fireDeadlines(10), "an ended call fires no more");
    }

    @Test
    void fireDeadlines_endsAnAcceptedCallThatNeverConnects() {
        service.report(report(1, "20001"));
        service.app(app("20001", 1));
        clock.advance(CONNECT.minusMillis(1));
        assertEquals(List.of(), service.fireDeadlines(10));

        clock.advance(Duration.ofMillis(1));
        List<Decision> fired = service.fireDeadlines(10);
        assertEquals(1, fired.size());
        assertEquals(EndReason.FAILED, fired.get(0).after().reason());
        assertEquals(Optional.empty(), store.active(DEVICE));
    }

    @Test
    void fireDeadlines_leavesConnectedCallsAlone() {
        service.report(report(1, "20001"));
        service.app(app("20001", 1));
        service.report(report(2, "20001"));
        clock.advance(Duration.ofHours(1));
        assertEquals(List.of(), service.fireDeadlines(10));
        assertEquals(CallState.CONNECTED, store.active(DEVICE).orElseThrow().state());
    }

    @Test
    void controlReply_unknownTokensAndOtherDevicesAreIgnored() {
        Decision ring = service.report(report(1, "20001"));
        String token = CallEngine.controlToken(ring.after());

        assertEquals(Optional.empty(), service.controlReply(DEVICE, "456", 1, "x"));
        assertEquals(Optional.empty(), service.controlReply(DEVICE, "cb-nosuchcall-3", 1, "x"));
        assertEquals(Optional.empty(), service.controlReply(OTHER_DEVICE, token, 1, "x"));
        assertEquals(ring.after(), store.active(DEVICE).orElseThrow());
    }

    @Test
    void controlReply_codeZeroChangesNothing_nonZeroIsRecorded() {
        service.report(report(1, "20001"));
        Decision accept = service.app(app("20001", 1));
        String token = CallEngineTest.controls(accept).get(0).clientToken();

        Decision ok = service.controlReply(DEVICE, token, 0, "ok").orElseThrow();
        assertTrue(ok.unchanged());
        assertEquals(accept.after(), store.active(DEVICE).orElseThrow());

        Decision failed = service.controlReply(DEVICE, token, 7, "busy").orElseThrow();
        List<CallEvent> events = CallEngineTest.events(failed);
        assertEquals(List.of(CallEvent.CONTROL_FAILED), CallEngineTest.types(events));
        assertEquals(Map.of("clientToken", token, "code", 7, "status", "busy"), events.get(0).details());
        assertEquals(failed.after(), store.active(DEVICE).orElseThrow());
        assertEquals(accept.after().version() + 1, store.active(DEVICE).orElseThrow().version());
    }

    /**
     * The device missed the control 0 of a call that ended, and meanwhile rang again: the failure is recorded
     * on the ended call and the new call stays as it is.
     */
    @Test
    void controlReply_forAnEndedCall_whileTheDeviceHasANewCall() {
        service.report(report(1, "20001"));
        clock.advance(RING);
        Decision noAnswer = service.fireDeadlines(10).get(0);
        String token = CallEngineTest.controls(noAnswer).get(0).clientToken();
        Decision ringAgain = service.report(report(1, "20001"));
        assertEquals("call-2", ringAgain.after().id());

        Decision failed = service.controlReply(DEVICE, token, 1, "timeout").orElseThrow();

        assertEquals("call-1", failed.after().id());
        assertEquals(List.of(CallEvent.CONTROL_FAILED), CallEngineTest.types(CallEngineTest.events(failed)));
        assertEquals(failed.after(), store.find("call-1").orElseThrow());
        assertEquals(ringAgain.after(), store.active(DEVICE).orElseThrow());
    }

    // ---- helpers ----

    Decision collect(Decision d) {
        events.addAll(CallEngineTest.events(d));
        return d;
    }

    DeviceReport report(int status, String users) {
        timestamp += 1000;
        return new DeviceReport(DEVICE, "tok-" + (++tokens), timestamp,
                CallEngineTest.device(Media.VIDEO, status, users));
    }

    static AppCommand app(String user, int status) {
        return new AppCommand(DEVICE, user, CallEngineTest.appData(Media.VIDEO, status, user));
    }

    /** A store whose first commit is preceded by another writer's commit: a lost race, made deterministic. */
    static final class RacingStore implements CallStore {
        final CallStore delegate;
        Runnable beforeFirstCommit;
        final List<Boolean> results = new ArrayList<>();

        RacingStore(CallStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Optional<Call> find(String callId) {
            return delegate.find(callId);
        }

        @Override
        public Optional<Call> active(DeviceId device) {
            return delegate.active(device);
        }

        @Override
        public List<Call> search(CallQuery query) {
            return delegate.search(query);
        }

        @Override
        public List<String> boundUsers(DeviceId device) {
            return delegate.boundUsers(device);
        }

        @Override
        public void bindUsers(DeviceId device, List<String> users) {
            delegate.bindUsers(device, users);
        }

        @Override
        public Optional<String> deviceSecret(DeviceId device) {
            return delegate.deviceSecret(device);
        }

        @Override
        public Optional<Registered> deviceByClientId(String clientId) {
            return delegate.deviceByClientId(clientId);
        }

        @Override
        public List<Registered> registeredDevices() {
            return delegate.registeredDevices();
        }

        @Override
        public void setDeviceSecret(DeviceId device, String base64Secret) {
            delegate.setDeviceSecret(device, base64Secret);
        }

        @Override
        public boolean isBound(DeviceId device, String userId) {
            return delegate.isBound(device, userId);
        }

        @Override
        public Optional<DeviceState> deviceState(DeviceId device) {
            return delegate.deviceState(device);
        }

        @Override
        public void setDeviceInfo(DeviceId device, Map<String, Object> info) {
            delegate.setDeviceInfo(device, info);
        }

        @Override
        public Optional<Map<String, Object>> deviceInfo(DeviceId device) {
            return delegate.deviceInfo(device);
        }

        @Override
        public Optional<KeptControl> keptControl(DeviceId device) {
            return delegate.keptControl(device);
        }

        @Override
        public boolean forgetKeptControl(DeviceId device, String clientToken) {
            return delegate.forgetKeptControl(device, clientToken);
        }

        @Override
        public List<Call> due(Instant now, int limit) {
            return delegate.due(now, limit);
        }

        @Override
        public boolean commit(Decision decision) {
            Runnable hook = beforeFirstCommit;
            beforeFirstCommit = null;
            if (hook != null) {
                hook.run();
            }
            boolean ok = delegate.commit(decision);
            results.add(ok);
            return ok;
        }
    }
}
