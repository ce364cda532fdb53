package io.callbridge.call;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callbridge.call.CallEngine.Phase;
import io.callbridge.call.CallEngine.Row;
import io.callbridge.call.CallEngine.Trigger;
import io.callbridge.testing.SeedPayloads;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Media;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.ThingMessage;

import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The transition table row by row (each test named after its row: {@code <phase>_<trigger>_<outcome>}), then the
 * rules around it: redeliveries, ordering, several callees, refusals, audio calls, control tokens.
 */
class CallEngineTest {

    /** The app users of these tests are bound to the device: they may call it. */
    static final Supplier<Access.Relation> BOUND = () -> Access.Relation.BOUND;

    static final DeviceId DEVICE = DeviceId.parse("OIUYKJHGBV/device01");
    static final String DEVICE_ID = DEVICE.toString();
    static final String UA = "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)";
    static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
    static final Duration RING = Duration.ofSeconds(30);
    static final Duration CONNECT = Duration.ofSeconds(20);
    static final String VIDEO = Media.VIDEO.statusProperty();
    static final String AUDIO = Media.AUDIO.statusProperty();

    MutableClock clock;
    CallEngine engine;
    int callsCreated;
    /** The device as the store would hold it, updated by every decision that was not refused. */
    DeviceState state;
    Call call;
    final List<CallEvent> log = new ArrayList<>();
    long timestamp;
    int tokens;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        callsCreated = 0;
        engine = newEngine(() -> "call-" + (++callsCreated));
        state = null;
        call = null;
        log.clear();
        timestamp = T0.toEpochMilli();
        tokens = 0;
    }

    CallEngine newEngine(Supplier<String> ids) {
        return new CallEngine(new CallEngine.Settings(RING, CONNECT), clock, ids);
    }

    // ---- the table itself ----

    static Stream<Row> rows() {
        return CallEngine.table().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyRowHasARuleAnOutcomeAndIsFoundByRow(Row row) {
        assertNotNull(row.rule(), "rule of " + row);
        assertFalse(row.outcome() == null || row.outcome().isBlank(), "outcome of " + row);
        assertSame(row, CallEngine.row(row.from(), row.trigger()));
    }

    /** Every row of the table has its own test here, named {@code <phase>_<trigger>_…}. */
    @Test
    void everyRowHasItsOwnTest() {
        Set<String> tests = new HashSet<>();
        for (Method m : CallEngineTest.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Test.class)) {
                tests.add(m.getName());
            }
        }
        List<String> untested = new ArrayList<>();
        for (Row row : CallEngine.table()) {
            String prefix = camel(row.from().name()) + "_" + camel(row.trigger().name()) + "_";
            if (tests.stream().noneMatch(t -> t.startsWith(prefix))) {
                untested.add(prefix);
            }
        }
        assertEquals(List.of(), untested, "rows without a test");
    }

    /** The pairs the table leaves out on purpose; anything else missing (or added) is a change to review. */
    @Test
    void tableHasOneRowPerPairExceptTheImpossibleOnes() {
        Set<String> present = new HashSet<>();
        for (Row row : CallEngine.table()) {
            assertTrue(present.add(row.from() + "/" + row.trigger()), "duplicate row " + row);
        }
        Set<String> absent = new HashSet<>();
        for (Phase p : Phase.values()) {
            for (Trigger t : Trigger.values()) {
                if (CallEngine.row(p, t) == null) {
                    absent.add(p + "/" + t);
                }
            }
        }
        // Media comes and goes only in a connected call; before, it changes nothing.
        Set<String> expectedAbsent = new HashSet<>(Set.of("IDLE/DEADLINE", "IDLE/CONTROL_FAILED",
                "IDLE/MEDIA_LOST", "IDLE/MEDIA_RESUMED", "RINGING/MEDIA_LOST", "RINGING/MEDIA_RESUMED",
                "ACCEPTED/MEDIA_LOST", "ACCEPTED/MEDIA_RESUMED",
                // The device's accept and refusal exist only in a call an app placed; it refuses only while ringing.
                "IDLE/DEVICE_ACCEPT", "IDLE/DEVICE_REFUSE", "ACCEPTED/DEVICE_REFUSE", "CONNECTED/DEVICE_REFUSE"));
        for (Trigger t : EnumSet.complementOf(EnumSet.of(Trigger.CONTROL_FAILED))) {
            expectedAbsent.add("ENDED/" + t);
        }
        assertEquals(expectedAbsent, absent);
        assertEquals(Phase.values().length * Trigger.values().length, present.size() + absent.size());
    }

    // ---- IDLE ----

    @Test
    void idle_ring_startsRingingWithRingDeadline() {
        Map<String, Object> params = device(Media.VIDEO, 1, "20001");
        Decision d = report(params);

        assertNull(d.refusal());
        assertNull(d.before());
        Call c = d.after();
        assertAll(
                () -> assertEquals("call-1", c.id()),
                () -> assertEquals(DEVICE, c.device()),
                () -> assertEquals(Media.VIDEO, c.media()),
                () -> assertEquals(CallState.RINGING, c.state()),
                () -> assertEquals(DEVICE_ID, c.callerId()),
                () -> assertEquals("20001", c.calledId()),
                () -> assertEquals(List.of("20001"), c.callees()),
                () -> assertEquals(Set.of(), c.rejectedBy()),
                () -> assertNull(c.answeredBy()),
                () -> assertEquals(UA, c.userAgent()),
                () -> assertEquals(T0, c.createdAt()),
                () -> assertNull(c.acceptedAt()),
                () -> assertNull(c.connectedAt()),
                () -> assertNull(c.endedAt()),
                () -> assertNull(c.reason()),
                () -> assertNull(c.endedBy()),
                () -> assertEquals(T0.plus(RING), c.deadline()),
                () -> assertEquals(1, c.version()),
                () -> assertEquals(1, c.seq()));
        assertEquals(List.of(), controls(d));
        List<CallEvent> events = assertEvents(d, CallEvent.RINGING);
        assertEquals(Map.of("callees", List.of("20001")), events.get(0).details());
        assertEquals(params, d.stateAfter().values());
        assertEquals(timestamp, d.stateAfter().lastReportAt());
    }

    @Test
    void idle_deviceIdle_recordsTheStateOnly() {
        Map<String, Object> params = device(Media.VIDEO, 0, "20001");
        Decision d = report(params);

        assertNull(d.refusal());
        assertNull(d.before());
        assertNull(d.after());
        assertEquals(List.of(), d.effects());
        assertFalse(d.unchanged(), "the device state is written");
        assertEquals(params, d.stateAfter().values());
        assertEquals(0, callsCreated);
    }

    @Test
    void idle_deviceInCall_recordsTheStateOnly() {
        Map<String, Object> params = device(Media.VIDEO, 2, "20001");
        Decision d = report(params);

        assertNull(d.refusal());
        assertNull(d.after());
        assertEquals(List.of(), d.effects());
        assertEquals(params, d.stateAfter().values());
        assertEquals(0, callsCreated);
    }

    @Test
    void idle_accept_refusedNoCall() {
        assertRefused(app("20001", 1), Refusal.Kind.NO_CALL);
    }

    @Test
    void idle_reject_refusedNoCall() {
        assertRefused(app("20001", 0), Refusal.Kind.NO_CALL);
    }

    // ---- RINGING ----

    @Test
    void ringing_ring_sameCallChangesNothingButTheState() {
        Call ringing = ring("20001");
        clock.advance(Duration.ofSeconds(2));
        Decision d = report(device(Media.VIDEO, 1, "20001"));

        assertNull(d.refusal());
        assertSame(ringing, d.after());
        assertEquals(List.of(), d.effects());
        assertEquals(timestamp, d.stateAfter().lastReportAt());
        assertEquals(T0.plus(RING), d.after().deadline(), "ringing again does not move the ring deadline");
    }

    @Test
    void ringing_ring_otherCallees_refusedBusy() {
        ring("20001");
        DeviceState before = state;
        Decision d = report(device(Media.VIDEO, 1, "u9"));

        assertRefused(d, Refusal.Kind.BUSY);
        assertSame(before, d.stateAfter());
        assertEquals(1, callsCreated);
    }

    @Test
    void ringing_ring_audioWhileVideoRings_refusedBusy() {
        ring("20001");
        assertRefused(report(device(Media.AUDIO, 1, "20001")), Refusal.Kind.BUSY);
    }

    @Test
    void ringing_deviceIdle_endsCanceled() {
        ring("20001");
        clock.advance(Duration.ofSeconds(5));
        Decision d = report(device(Media.VIDEO, 0, "20001"));

        Call c = d.after();
        assertEnded(c, EndReason.CANCELED, DEVICE_ID);
        assertEquals(Duration.ofSeconds(5), c.ringDuration());
        assertNull(c.talkDuration());
        assertEquals(2, c.version());
        assertEquals(List.of(), controls(d), "the device knows: no control");
        List<CallEvent> events = assertEvents(d, CallEvent.CANCELED, CallEvent.ENDED);
        assertEquals(Map.of(), events.get(0).details());
        assertEquals(Map.of("reason", "CANCELED", "endedBy", DEVICE_ID), events.get(1).details());
        assertEquals(List.of(1, 2, 3), seqs(log));
    }

    @Test
    void ringing_deviceInCall_connectsTheNamedCallee() {
        ring("20001");
        clock.advance(Duration.ofSeconds(3));
        Decision d = report(device(Media.VIDEO, 2, "20001"));

        Call c = d.after();
        assertEquals(CallState.CONNECTED, c.state());
        assertEquals("20001", c.answeredBy());
        assertEquals(T0.plusSeconds(3), c.connectedAt());
        assertNull(c.acceptedAt());
        assertNull(c.deadline(), "a connected call has no deadline");
        assertEquals(List.of(), controls(d));
        List<CallEvent> events = assertEvents(d, CallEvent.CONNECTED);
        assertEquals(Map.of("answeredBy", "20001"), events.get(0).details());
    }

    @Test
    void ringing_deviceInCall_withOneCalleeThatCalleeAnswered() {
        ring("20001");
        Map<String, Object> params = device(Media.VIDEO, 2, "20001");
        params.remove("_sys_userid");
        Decision d = report(params);

        assertEquals("20001", d.after().answeredBy(), "the only callee is the one who answered");
        assertEvents(d, CallEvent.CONNECTED);
    }

    @Test
    void ringing_deviceInCall_tellsTheOtherCalleesItWasAnsweredElsewhere() {
        ring("u1;u2;u3");
        Map<String, Object> params = device(Media.VIDEO, 2, "u1;u2;u3");
        params.put("_sys_userid", "u2");
        Decision d = report(params);

        assertEquals(CallState.CONNECTED, d.after().state());
        assertEquals("u2", d.after().answeredBy());
        List<CallEvent> events = assertEvents(d, CallEvent.ANSWERED_ELSEWHERE, CallEvent.CONNECTED);
        assertEquals(Map.of("users", List.of("u1", "u3"), "answeredBy", "u2"), events.get(0).details());
    }

    @Test
    void ringing_accept_acceptsSendsControlOneAndSetsConnectDeadline() {
        ring("20001");
        clock.advance(Duration.ofSeconds(4));
        Decision d = app("20001", 1);

        assertNull(d.refusal());
        Call c = d.after();
        assertEquals(CallState.ACCEPTED, c.state());
        assertEquals("20001", c.answeredBy());
        assertEquals(T0.plusSeconds(4), c.acceptedAt());
        assertEquals(T0.plusSeconds(4).plus(CONNECT), c.deadline());
        assertEquals(2, c.version());

        List<Effect.Control> controls = controls(d);
        assertEquals(1, controls.size());
        Effect.Control control = controls.get(0);
        assertEquals(DEVICE, control.device());
        assertEquals("cb-call-1-2", control.clientToken());
        assertEquals("call-1", CallEngine.callIdOfControlToken(control.clientToken()));
        assertEquals(appData(Media.VIDEO, 1, "20001"), control.params());
        assertEquals(1, control.params().get(VIDEO));
        List<CallEvent> events = assertEvents(d, CallEvent.ACCEPTED);
        assertEquals(Map.of("user", "20001"), events.get(0).details());
        assertEquals(d.effects().get(0), control, "the control goes out before the events");
    }

    @Test
    void ringing_accept_byNonCallee_refusedNotCallee() {
        ring("20001");
        assertRefused(app("u9", 1), Refusal.Kind.NOT_CALLEE);
        assertEquals(CallState.RINGING, call.state());
    }

    @Test
    void ringing_reject_byTheOnlyCallee_endsRejectedWithControlZero() {
        ring("20001");
        clock.advance(Duration.ofSeconds(6));
        Decision d = app("20001", 0);

        Call c = d.after();
        assertEnded(c, EndReason.REJECTED, "20001");
        List<Effect.Control> controls = controls(d);
        assertEquals(1, controls.size());
        assertEquals(endControl(Media.VIDEO, "20001"), controls.get(0).params());
        assertEquals(List.copyOf(endControl(Media.VIDEO, "20001").keySet()),
                List.copyOf(controls.get(0).params().keySet()), "status first, then the ids");
        assertEquals(CallEngine.controlToken(c), controls.get(0).clientToken());
        List<CallEvent> events = assertEvents(d, CallEvent.REJECTED, CallEvent.ENDED);
        assertEquals(Map.of("user", "20001", "final", true, "stillRinging", List.of()), events.get(0).details());
        assertEquals(Map.of("reason", "REJECTED", "endedBy", "20001"), events.get(1).details());
    }

    @Test
    void ringing_reject_byOneOfTwoCallees_keepsRinging() {
        ring("u1;u2");
        Decision d = app("u1", 0);

        assertEquals(CallState.RINGING, d.after().state());
        assertEquals(Set.of("u1"), d.after().rejectedBy());
        assertEquals(List.of("u2"), d.after().stillRinging());
        assertEquals(List.of(), controls(d), "the device keeps ringing the other callee");
        List<CallEvent> events = assertEvents(d, CallEvent.REJECTED);
        assertEquals(Map.of("user", "u1", "final", false, "stillRinging", List.of("u2")), events.get(0).details());

        Decision again = app("u1", 0);
        assertNull(again.refusal());
        assertTrue(again.unchanged(), "rejecting twice changes nothing");
        assertEquals(List.of(), again.effects());
    }

    @Test
    void ringing_reject_byNonCallee_refusedNotCallee() {
        ring("20001");
        assertRefused(app("u9", 0), Refusal.Kind.NOT_CALLEE);
    }

    @Test
    void ringing_deadline_endsNoAnswerWithControlZero() {
        ring("20001");
        clock.advance(RING.minusMillis(1));
        Decision early = deadline();
        assertTrue(early.unchanged(), "a deadline not yet due changes nothing");
        assertEquals(List.of(), early.effects());
        assertSame(call, early.after());

        clock.advance(Duration.ofMillis(1));
        Decision d = deadline();
        Call c = d.after();
        assertEnded(c, EndReason.NO_ANSWER, CallEngine.SERVER);
        assertEquals(T0.plus(RING), c.endedAt());
        List<Effect.Control> controls = controls(d);
        assertEquals(1, controls.size());
        assertEquals(endControl(Media.VIDEO, "20001"), controls.get(0).params());
        List<CallEvent> events = assertEvents(d, CallEvent.ENDED);
        assertEquals(Map.of("reason", "NO_ANSWER", "endedBy", CallEngine.SERVER), events.get(0).details());

        assertTrue(deadline().unchanged(), "an ended call has no deadline to fire");
    }

    @Test
    void ringing_controlFailed_emitsControlFailed() {
        ring("20001");
        Call before = call;
        Decision d = controlReply("cb-call-1-1", 4, "device busy");

        assertEquals(CallState.RINGING, d.after().state());
        assertEquals(before.version() + 1, d.after().version());
        assertEquals(before.deadline(), d.after().deadline());
        assertEquals(List.of(), controls(d));
        List<CallEvent> events = assertEvents(d, CallEvent.CONTROL_FAILED);
        assertEquals(Map.of("clientToken", "cb-call-1-1", "code", 4, "status", "device busy"),
                events.get(0).details());
    }

    // ---- ACCEPTED ----

    @Test
    void accepted_ring_sameCallChangesNothingButTheState() {
        Call accepted = accept("20001", "20001");
        Decision d = report(device(Media.VIDEO, 1, "20001"));

        assertNull(d.refusal());
        assertSame(accepted, d.after());
        assertEquals(List.of(), d.effects());
        assertEquals(1, d.stateAfter().values().get(VIDEO));
    }

    @Test
    void accepted_ring_otherCallees_refusedBusy() {
        accept("20001", "20001");
        DeviceState before = state;
        Decision d = report(device(Media.VIDEO, 1, "u9"));
        assertRefused(d, Refusal.Kind.BUSY);
        assertSame(before, d.stateAfter());
    }

    @Test
    void accepted_deviceIdle_endsFailedByTheDevice() {
        accept("20001", "20001");
        clock.advance(Duration.ofSeconds(2));
        Decision d = report(device(Media.VIDEO, 0, "20001"));

        assertEnded(d.after(), EndReason.FAILED, DEVICE_ID);
        assertEquals(List.of(), controls(d), "the device knows: no control");
        List<CallEvent> events = assertEvents(d, CallEvent.ENDED);
        assertEquals(Map.of("reason", "FAILED", "endedBy", DEVICE_ID), events.get(0).details());
    }

    @Test
    void accepted_deviceInCall_connects() {
        accept("20001", "20001");
        clock.advance(Duration.ofSeconds(3));
        Decision d = report(device(Media.VIDEO, 2, "20001"));

        Call c = d.after();
        assertEquals(CallState.CONNECTED, c.state());
        assertEquals("20001", c.answeredBy());
        assertEquals(T0, c.acceptedAt());
        assertEquals(T0.plusSeconds(3), c.connectedAt());
        assertNull(c.deadline(), "the connect deadline is cleared");
        assertEquals(List.of(), controls(d));
        List<CallEvent> events = assertEvents(d, CallEvent.CONNECTED);
        assertEquals(Map.of("answeredBy", "20001"), events.get(0).details());
    }

    /** The other callees were told at the accept; connecting must not tell them again (row: call.connected only). */
    @Test
    void accepted_deviceInCall_withTwoCallees_doesNotRepeatAnsweredElsewhere() {
        accept("u1;u2", "u1");
        assertEquals(List.of(CallEvent.RINGING, CallEvent.ACCEPTED, CallEvent.ANSWERED_ELSEWHERE), types(log));

        Decision d = report(device(Media.VIDEO, 2, "u1;u2"));

        assertEquals(CallState.CONNECTED, d.after().state());
        assertEquals("u1", d.after().answeredBy());
        assertEvents(d, CallEvent.CONNECTED);
        assertEquals(1, types(log).stream().filter(CallEvent.ANSWERED_ELSEWHERE::equals).count());
    }

    @Test
    void accepted_accept_answererAgainChangesNothing() {
        Call accepted = accept("20001", "20001");
        Decision d = app("20001", 1);

        assertNull(d.refusal());
        assertTrue(d.unchanged());
        assertSame(accepted, d.after());
        assertEquals(List.of(), d.effects());
    }

    @Test
    void accepted_accept_otherCallee_refusedAnsweredElsewhere() {
        accept("u1;u2", "u1");
        assertRefused(app("u2", 1), Refusal.Kind.ANSWERED_ELSEWHERE);
        assertRefused(app("u9", 1), Refusal.Kind.NOT_CALLEE);
        assertEquals("u1", call.answeredBy());
    }

    @Test
    void accepted_reject_answererHangsUpWithControlZero() {
        accept("20001", "20001");
        clock.advance(Duration.ofSeconds(1));
        Decision d = app("20001", 0);

        assertEnded(d.after(), EndReason.HANGUP, "20001");
        List<Effect.Control> controls = controls(d);
        assertEquals(1, controls.size());
        assertEquals(endControl(Media.VIDEO, "20001"), controls.get(0).params());
        assertEquals("cb-call-1-3", controls.get(0).clientToken());
        List<CallEvent> events = assertEvents(d, CallEvent.ENDED);
        assertEquals(Map.of("reason", "HANGUP", "endedBy", "20001"), events.get(0).details());
    }

    @Test
    void accepted_reject_otherCallee_refused() {
        accept("u1;u2", "u1");
        assertRefused(app("u2", 0), Refusal.Kind.ANSWERED_ELSEWHERE);
        assertRefused(app("u9", 0), Refusal.Kind.NOT_CALLEE);
        assertEquals(CallState.ACCEPTED, call.state());
    }

    @Test
    void accepted_deadline_endsFailedWithControlZero() {
        accept("20001", "20001");
        clock.advance(CONNECT.minusMillis(1));
        assertTrue(deadline().unchanged());

        clock.advance(Duration.ofMillis(1));
        Decision d = deadline();
        assertEnded(d.after(), EndReason.FAILED, CallEngine.SERVER);
        List<Effect.Control> controls = controls(d);
        assertEquals(1, controls.size());
        assertEquals(endControl(Media.VIDEO, "20001"), controls.get(0).params());
        assertEvents(d, CallEvent.ENDED);
    }

    @Test
    void accepted_controlFailed_emitsControlFailed() {
        accept("20001", "20001");
        Decision d = controlReply("cb-call-1-2", 500, "error");

        assertEquals(CallState.ACCEPTED, d.after().state());
        List<CallEvent> events = assertEvents(d, CallEvent.CONTROL_FAILED);
        assertEquals(Map.of("clientToken", "cb-call-1-2", "code", 500, "status", "error"), events.get(0).details());
    }

    // ---- CONNECTED ----

    @Test
    void connected_ring_sameCallChangesNothingButTheState() {
        Call connected = connect("20001", "20001");
        Decision d = report(device(Media.VIDEO, 1, "20001"));
        assertNull(d.refusal());
        assertSame(connected, d.after());
        assertEquals(List.of(), d.effects());
    }

    @Test
    void connected_ring_otherCallees_refusedBusy() {
        connect("20001", "20001");
        DeviceState before = state;
        Decision d = report(device(Media.VIDEO, 1, "u7;u8"));
        assertRefused(d, Refusal.Kind.BUSY);
        assertSame(before, d.stateAfter());
    }

    @Test
    void connected_deviceIdle_endsHangupByTheDevice() {
        connect("20001", "20001");
        clock.advance(Duration.ofSeconds(42));
        Decision d = report(device(Media.VIDEO, 0, "20001"));

        Call c = d.after();
        assertEnded(c, EndReason.HANGUP, DEVICE_ID);
        assertEquals(Duration.ofSeconds(42), c.talkDuration());
        assertEquals(List.of(), controls(d));
        List<CallEvent> events = assertEvents(d, CallEvent.ENDED);
        assertEquals(Map.of("reason", "HANGUP", "endedBy", DEVICE_ID), events.get(0).details());
    }

    @Test
    void connected_mediaLost_setsTheGraceDeadlineAndKeepsTheCall() {
        Call connected = connect("20001", "20001");
        Decision d = engine.onMedia(connected, true);
        assertEquals(CallState.CONNECTED, d.after().state());
        assertEquals(clock.instant().plus(Duration.ofSeconds(10)), d.after().deadline(), "the default media grace");
        assertEquals(List.of(), d.effects());
    }

    @Test
    void connected_mediaResumed_clearsTheGraceDeadline() {
        Call connected = connect("20001", "20001");
        Call lost = engine.onMedia(connected, true).after();
        Decision d = engine.onMedia(lost, false);
        assertNull(d.after().deadline());
        assertEquals(CallState.CONNECTED, d.after().state());
        assertSame(connected, engine.onMedia(connected, false).after(), "nothing to clear: no change");
    }

    @Test
    void connected_deadline_endsInterruptedAndTellsTheDevice() {
        Call lost = engine.onMedia(connect("20001", "20001"), true).after();
        assertTrue(engine.onDeadline(lost).unchanged(), "not before the grace is over");
        clock.advance(Duration.ofSeconds(10));
        Decision d = engine.onDeadline(lost);
        assertEnded(d.after(), EndReason.INTERRUPTED, CallEngine.SERVER);
        assertEquals(0, controls(d).get(0).params().get("_sys_video_call_status"));
        assertEquals(Map.of("reason", "INTERRUPTED", "endedBy", CallEngine.SERVER), assertEvents(d, CallEvent.ENDED)
                .get(0).details());
    }

    // ---- the device leaves the broker during a call ----

    @Test
    void idle_deviceOffline_changesNothing() {
        Decision d = engine.onOffline(null);
        assertTrue(d.unchanged());
        assertEquals(List.of(), d.effects());
    }

    @Test
    void ringing_deviceOffline_endsOfflineAndKeepsAControlZero() {
        ring("20001;20002");
        Decision d = offline();
        assertEnded(d.after(), EndReason.OFFLINE, DEVICE.toString());
        assertEquals(endControl(Media.VIDEO, "20001;20002"), controls(d).get(0).params(),
                "control 0, kept for get_status when the device is back");
        assertEquals(Map.of("reason", "OFFLINE", "endedBy", DEVICE.toString()),
                assertEvents(d, CallEvent.ENDED).get(0).details());
    }

    @Test
    void accepted_deviceOffline_endsOffline() {
        accept("20001", "20001");
        Decision d = offline();
        assertEnded(d.after(), EndReason.OFFLINE, DEVICE.toString());
        assertEquals(1, controls(d).size());
        assertEvents(d, CallEvent.ENDED);
    }

    @Test
    void connected_deviceOffline_endsOffline() {
        connect("20001", "20001");
        Decision d = offline();
        assertEnded(d.after(), EndReason.OFFLINE, DEVICE.toString());
        assertEquals(0, controls(d).get(0).params().get("_sys_video_call_status"));
        assertEvents(d, CallEvent.ENDED);
        assertTrue(engine.onOffline(d.after()).unchanged(), "an ended call stays ended");
    }

    @Test
    void connected_deviceInCall_changesNothingButTheState() {
        Call connected = connect("20001", "20001");
        Decision d = report(device(Media.VIDEO, 2, "20001"));
        assertNull(d.refusal());
        assertSame(connected, d.after());
        assertEquals(List.of(), d.effects());
        assertEquals(timestamp, d.stateAfter().lastReportAt());
    }

    @Test
    void connected_accept_answererAgainChangesNothing_otherCalleeRefused() {
        Call connected = connect("u1;u2", "u1");
        Decision d = app("u1", 1);
        assertNull(d.refusal());
        assertSame(connected, d.after());
        assertEquals(List.of(), d.effects());
        assertRefused(app("u2", 1), Refusal.Kind.ANSWERED_ELSEWHERE);
        assertRefused(app("u9", 1), Refusal.Kind.NOT_CALLEE);
    }

    @Test
    void connected_reject_answererHangsUpWithControlZero_otherCalleeRefused() {
        connect("u1;u2", "u1");
        assertRefused(app("u2", 0), Refusal.Kind.ANSWERED_ELSEWHERE);

        clock.advance(Duration.ofSeconds(10));
        Decision d = app("u1", 0);
        assertEnded(d.after(), EndReason.HANGUP, "u1");
        assertEquals(Duration.ofSeconds(10), d.after().talkDuration());
        List<Effect.Control> controls = controls(d);
        assertEquals(1, controls.size());
        assertEquals(endControl(Media.VIDEO, "u1;u2"), controls.get(0).params());
        assertEvents(d, CallEvent.ENDED);
    }

    @Test
    void connected_controlFailed_emitsControlFailed() {
        connect("20001", "20001");
        Decision d = controlReply("cb-call-1-2", 1, null);
        assertEquals(CallState.CONNECTED, d.after().state());
        List<CallEvent> events = assertEvents(d, CallEvent.CONTROL_FAILED);
        assertEquals(Map.of("clientToken", "cb-call-1-2", "code", 1), events.get(0).details(),
                "a missing status is left out");
    }

    // ---- ENDED ----

    @Test
    void ended_controlFailed_emitsControlFailedTheDeviceMissedTheEnd() {
        ring("20001");
        clock.advance(RING);
        Decision end = deadline();
        String token = controls(end).get(0).clientToken();
        Call ended = end.after();

        Decision d = controlReply(token, 404, "no such call");
        assertEquals(CallState.ENDED, d.after().state());
        assertEquals(EndReason.NO_ANSWER, d.after().reason());
        assertEquals(ended.version() + 1, d.after().version());
        List<CallEvent> events = assertEvents(d, CallEvent.CONTROL_FAILED);
        assertEquals(404, events.get(0).details().get("code"));
        assertEquals(List.of(1, 2, 3), seqs(log));
    }

    // ---- redeliveries and ordering ----

    @Test
    void duplicateReport_changesNothing_evenWithOtherKeyOrder() {
        Map<String, Object> params = device(Media.VIDEO, 1, "20001");
        DeviceReport first = new DeviceReport(DEVICE, "t-1", 1_700_000_000_000L, params);
        apply(engine.onReport(first, state, active()));
        Call ringing = call;
        DeviceState recorded = state;

        Map<String, Object> reordered = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(params.keySet());
        java.util.Collections.reverse(keys);
        keys.forEach(k -> reordered.put(k, params.get(k)));
        Decision d = engine.onReport(new DeviceReport(DEVICE, "t-1", 1_700_000_000_000L, reordered), state,
                active());

        assertNull(d.refusal());
        assertTrue(d.unchanged());
        assertSame(ringing, d.after());
        assertSame(recorded, d.stateAfter());
        assertEquals(List.of(), d.effects());
        assertEquals(1, callsCreated);
    }

    @Test
    void duplicateEndReport_afterTheCallEnded_startsNothing() {
        ring("20001");
        Decision end = report(device(Media.VIDEO, 0, "20001"));
        assertEquals(CallState.ENDED, end.after().state());
        DeviceReport again = new DeviceReport(DEVICE, "tok-" + tokens, timestamp, device(Media.VIDEO, 0, "20001"));

        Decision d = engine.onReport(again, state, active());
        assertTrue(d.unchanged());
        assertSame(state, d.stateAfter());
        assertEquals(List.of(), d.effects());
    }

    @Test
    void olderReport_changesNothing() {
        ring("20001");
        Call ringing = call;
        DeviceState recorded = state;
        DeviceReport older = new DeviceReport(DEVICE, "late", timestamp - 1, device(Media.VIDEO, 0, "20001"));

        Decision d = engine.onReport(older, state, active());
        assertNull(d.refusal());
        assertTrue(d.unchanged());
        assertSame(ringing, d.after());
        assertSame(recorded, d.stateAfter());
        assertEquals(List.of(), d.effects());
    }

    /** The seed sends every report with clientToken "456" and the same timestamp: content tells them apart. */
    @Test
    void sameTokenAndTimestampButOtherContent_isApplied() {
        long ts = 1_212_121_221_000L;
        apply(engine.onReport(new DeviceReport(DEVICE, "456", ts, device(Media.VIDEO, 1, "20001")), state, active()));
        assertEquals(CallState.RINGING, call.state());

        Decision d = apply(engine.onReport(new DeviceReport(DEVICE, "456", ts, device(Media.VIDEO, 0, "20001")),
                state, active()));
        assertNull(d.refusal());
        assertEnded(d.after(), EndReason.CANCELED, DEVICE_ID);
        assertEquals(0, state.values().get(VIDEO));
        assertEquals(ts, state.lastReportAt());
    }

    @Test
    void timestampsInSecondsAndMilliseconds_compareOnOneScale() {
        assertEquals(1_212_121_221_000L, ThingMessage.normaliseTimestamp(1_212_121_221L));
        assertEquals(1_700_000_000_123L, ThingMessage.normaliseTimestamp(1_700_000_000_123L));
        assertEquals(100_000_000_000_000L, ThingMessage.normaliseTimestamp(100_000_000_000L),
                "10^11 itself is seconds");
        assertEquals(100_000_000_001L, ThingMessage.normaliseTimestamp(100_000_000_001L));

        // The seed's ring, timestamp in seconds.
        ThingMessage ring = ThingCodec.parse(SeedPayloads.bytes(SeedPayloads.RING));
        apply(engine.onReport(new DeviceReport(DEVICE, ring.clientToken(), ring.timestamp(), ring.params()), state,
                active()));
        assertEquals(1_212_121_221_000L, state.lastReportAt());

        // An SDK report in milliseconds, one millisecond older: dropped.
        ThingMessage older = ThingCodec.parse(SeedPayloads.bytes(SeedPayloads.CANCEL.replace("1212121221",
                "1212121220999")));
        assertEquals(1_212_121_220_999L, older.timestamp());
        Decision dropped = engine.onReport(new DeviceReport(DEVICE, older.clientToken(), older.timestamp(),
                older.params()), state, active());
        assertTrue(dropped.unchanged());
        assertEquals(CallState.RINGING, dropped.after().state());

        // Half a second newer, in milliseconds: applied.
        ThingMessage newer = ThingCodec.parse(SeedPayloads.bytes(SeedPayloads.CANCEL.replace("1212121221",
                "1212121221500")));
        Decision applied = apply(engine.onReport(new DeviceReport(DEVICE, newer.clientToken(), newer.timestamp(),
                newer.params()), state, active()));
        assertEnded(applied.after(), EndReason.CANCELED, DEVICE_ID);
        assertEquals(1_212_121_221_500L, state.lastReportAt());
        assertEquals(1_212_121_221_500L, state.reported().get(VIDEO).lastUpdate());
    }

    @Test
    void farFutureTimestamp_isRefusedAndNeverBecomesTheNewest_theNextRealRingWorks() {
        Duration skew = CallEngine.Settings.DEFAULT_MAX_CLOCK_SKEW;
        for (long future : new long[] {4_102_444_800_000L, 99_999_999_999L, Long.MAX_VALUE,
                T0.plus(skew).toEpochMilli() + 1}) {
            DeviceReport report = new DeviceReport(DEVICE, "f-" + future, ThingMessage.normaliseTimestamp(future),
                    device(Media.VIDEO, 1, "20001"));
            Decision d = engine.onReport(report, state, active());
            assertRefused(d, Refusal.Kind.INVALID);
            assertTrue(d.refusal().message().contains("ahead of the server's clock"), d.refusal().message());
            assertSame(d.stateBefore(), d.stateAfter(), "nothing of the device is written");
            assertNull(d.stateAfter().lastReportAt(), "the device's newest time is untouched");
            assertNull(d.after(), "no call");
        }
        DeviceReport atTheEdge = new DeviceReport(DEVICE, "edge", T0.plus(skew).toEpochMilli(),
                device(Media.VIDEO, 0, "20001"));
        assertNull(apply(engine.onReport(atTheEdge, state, active())).refusal(), "within the skew is taken");

        clock.advance(skew.plusSeconds(1));
        timestamp = clock.instant().toEpochMilli();
        ring("20001");
        assertEquals(CallState.RINGING, call.state(), "the next real ring opens a call");
    }

    @Test
    void aNewestTimeStoredBeyondTheSkew_ordersNothing() {
        // Kept before the skew was checked: it must not make every later report look stale.
        DeviceState wedged = new DeviceState(DEVICE, Map.of(), 4_102_444_800_000L, "old", 3);
        Decision d = apply(engine.onReport(new DeviceReport(DEVICE, "real", T0.toEpochMilli(),
                device(Media.VIDEO, 1, "20001")), wedged, null));
        assertNull(d.refusal());
        assertEquals(CallState.RINGING, d.after().state());
        assertEquals(T0.toEpochMilli(), d.stateAfter().lastReportAt());
    }

    @Test
    void reportWithoutTimestamp_isStampedWithTheClock() {
        clock.advance(Duration.ofSeconds(9));
        Decision d = engine.onReport(new DeviceReport(DEVICE, "x", null, device(Media.VIDEO, 0, "20001")), null,
                null);
        assertNull(d.stateAfter().lastReportAt(), "no device timestamp to order by");
        assertEquals(T0.plusSeconds(9).toEpochMilli(), d.stateAfter().reported().get(VIDEO).lastUpdate());
    }

    // ---- the seed's whole flow ----

    @Test
    void seedFlow_ringAcceptConnectEnd_eventsNumberedOneToNWithStableIds() {
        List<String> first = runSeedFlow();
        assertEquals(List.of("evt_call-1_1", "evt_call-1_2", "evt_call-1_3", "evt_call-1_4"), first);
        assertEquals(List.of(CallEvent.RINGING, CallEvent.ACCEPTED, CallEvent.CONNECTED, CallEvent.ENDED), types(log));
        assertEquals(List.of(1, 2, 3, 4), seqs(log));
        assertEnded(call, EndReason.HANGUP, DEVICE_ID);

        setUp();
        assertEquals(first, runSeedFlow(), "the same inputs give the same event ids");
    }

    private List<String> runSeedFlow() {
        reportSeed(SeedPayloads.RING);
        assertEquals(CallState.RINGING, call.state());

        clock.advance(Duration.ofSeconds(3));
        Map<String, Object> data = ThingCodec.parseObject(SeedPayloads.APP_DATA);
        Decision accept = apply(engine.onApp(new AppCommand(DEVICE, SeedPayloads.USER, data), active(), BOUND));
        assertEquals(CallState.ACCEPTED, call.state());
        assertEquals(ThingCodec.parse(SeedPayloads.bytes(SeedPayloads.CONTROL)).params(),
                controls(accept).get(0).params(), "the control is the seed's step 4.1");

        clock.advance(Duration.ofSeconds(1));
        reportSeed(SeedPayloads.IN_CALL);
        assertEquals(CallState.CONNECTED, call.state());

        clock.advance(Duration.ofSeconds(60));
        reportSeed(SeedPayloads.END);
        assertEquals(CallState.ENDED, call.state());
        assertEquals(Duration.ofSeconds(60), call.talkDuration());
        assertEquals(Duration.ofSeconds(3), call.ringDuration());

        Decision redelivered = reportSeed(SeedPayloads.END);
        assertTrue(redelivered.unchanged());
        assertEquals(List.of(), redelivered.effects());
        return log.stream().map(CallEvent::id).toList();
    }

    @Test
    void eventsOfOneDecisionCarryTheCallAfterIt_andTheDecisionIsDeterministic() {
        ring("u1;u2");
        Call ringing = call;
        Decision a = engine.onApp(new AppCommand(DEVICE, "u1", appData(Media.VIDEO, 1, "u1")), ringing, BOUND);
        Decision b = engine.onApp(new AppCommand(DEVICE, "u1", appData(Media.VIDEO, 1, "u1")), ringing, BOUND);

        assertEquals(a.after(), b.after());
        assertEquals(events(a).stream().map(CallEvent::id).toList(), events(b).stream().map(CallEvent::id).toList());
        assertEquals(List.of("evt_call-1_2", "evt_call-1_3"), events(a).stream().map(CallEvent::id).toList());
        for (CallEvent e : events(a)) {
            assertSame(a.after(), e.call());
        }
    }

    // ---- several callees ----

    @Test
    void twoCallees_firstAcceptWins_otherGetsAnsweredElsewhere() {
        ring("u1;u2");
        assertEquals(List.of("u1", "u2"), call.callees());

        Decision first = app("u1", 1);
        assertEquals("u1", first.after().answeredBy());
        List<CallEvent> events = assertEvents(first, CallEvent.ACCEPTED, CallEvent.ANSWERED_ELSEWHERE);
        assertEquals(Map.of("users", List.of("u2"), "answeredBy", "u1"), events.get(1).details());
        assertEquals(1, controls(first).size());

        Decision second = app("u2", 1);
        assertRefused(second, Refusal.Kind.ANSWERED_ELSEWHERE);
        assertEquals("u1", call.answeredBy());
    }

    @Test
    void twoCallees_oneRejectedTheOtherAccepts_nobodyLeftToTell() {
        ring("u1;u2");
        app("u1", 0);
        Decision d = app("u2", 1);
        assertEquals(CallState.ACCEPTED, d.after().state());
        assertEvents(d, CallEvent.ACCEPTED);
    }

    @Test
    void twoCallees_bothReject_endsRejectedWithControlZero() {
        ring("u1;u2");
        Decision first = app("u1", 0);
        assertEquals(List.of(), controls(first));

        Decision second = app("u2", 0);
        assertEnded(second.after(), EndReason.REJECTED, "u2");
        assertEquals(Set.of("u1", "u2"), second.after().rejectedBy());
        List<Effect.Control> controls = controls(second);
        assertEquals(1, controls.size());
        assertEquals(0, controls.get(0).params().get(VIDEO));
        assertEquals(endControl(Media.VIDEO, "u1;u2"), controls.get(0).params());
        assertEvents(second, CallEvent.REJECTED, CallEvent.ENDED);
        assertEquals(List.of(1, 2, 3, 4), seqs(log));
    }

    @Test
    void userNotACallee_refusedNotCallee() {
        ring("u1;u2");
        assertRefused(app("u3", 1), Refusal.Kind.NOT_CALLEE);
        assertRefused(app("u3", 0), Refusal.Kind.NOT_CALLEE);
        assertEquals(List.of("u1", "u2"), call.stillRinging());
    }

    @Test
    void calleesComeFromCalledIdWhenUserIdIsEmpty() {
        Map<String, Object> params = device(Media.VIDEO, 1, "u1;u2");
        params.remove("_sys_userid");
        Decision d = report(params);
        assertEquals(List.of("u1", "u2"), d.after().callees());
    }

    @Test
    void ringWithoutAnyCallee_refusedInvalid() {
        Map<String, Object> params = device(Media.VIDEO, 1, "");
        params.remove("_sys_called_id");
        assertRefused(report(params), Refusal.Kind.INVALID);
        assertEquals(0, callsCreated);
    }

    // ---- refusals ----

    @Test
    void contradictoryCallerId_refusedInvalid_stateUnchanged() {
        report(device(Media.VIDEO, 0, "20001"));
        DeviceState before = state;
        Map<String, Object> params = device(Media.VIDEO, 1, "20001");
        params.put("_sys_caller_id", "OIUYKJHGBV/device02");

        Decision d = report(params);
        assertRefused(d, Refusal.Kind.INVALID);
        assertSame(before, d.stateAfter());
        assertEquals(0, callsCreated);
    }

    @Test
    void calledIdIsADevice_refusedUnsupported() {
        Map<String, Object> params = device(Media.VIDEO, 1, "");
        params.put("_sys_called_id", "OIUYKJHGBV/device02");
        assertRefused(report(params), Refusal.Kind.UNSUPPORTED);
        assertEquals(0, callsCreated);
    }

    @Test
    void callerIsAUser_withoutThatUsersCall_refusedNoCall() {
        assertRefused(report(deviceAnswer(Media.VIDEO, 1, "20001")), Refusal.Kind.NO_CALL);
        assertEquals(0, callsCreated);
    }

    // ---- app calls device ----

    static final String PHONE = "ios/1.0.0 (ios;iphone 13;zh-CN)";

    /** The app's Data when it calls the device: it is the caller, the device the called party. */
    static Map<String, Object> appCallData(Media media, int status, String user) {
        return callProps(media, status, user, user, DEVICE_ID, PHONE, "father");
    }

    /** The device's report in a call the app placed: the same ids, the device's own status. */
    static Map<String, Object> deviceAnswer(Media media, int status, String user) {
        return callProps(media, status, user, user, DEVICE_ID, UA, null);
    }

    Decision appCall(String user, int status) {
        return apply(engine.onApp(new AppCommand(DEVICE, user, appCallData(Media.VIDEO, status, user)), active(), BOUND));
    }

    Call placed(String user) {
        Decision d = appCall(user, 1);
        assertNull(d.refusal());
        assertEquals(CallState.RINGING, call.state());
        return call;
    }

    Call deviceAccepted(String user) {
        placed(user);
        assertNull(report(deviceAnswer(Media.VIDEO, 1, user)).refusal());
        assertEquals(CallState.ACCEPTED, call.state());
        return call;
    }

    Call appCallConnected(String user) {
        deviceAccepted(user);
        assertNull(report(deviceAnswer(Media.VIDEO, 2, user)).refusal());
        assertEquals(CallState.CONNECTED, call.state());
        return call;
    }

    @Test
    void appCall_byAUserNotBoundToTheDevice_isRefusedAndRingsNothing() {
        Supplier<Access.Relation> stranger = () -> Access.Relation.STRANGER;
        Decision d = engine.onApp(new AppCommand(DEVICE, "20009", appCallData(Media.VIDEO, 1, "20009")), null,
                stranger);
        assertRefused(d, Refusal.Kind.NOT_BOUND);
        assertNull(d.after());
        assertEquals(List.of(), d.effects(), "no control, no webhook");

        ring("20001");
        Decision busy = engine.onApp(new AppCommand(DEVICE, "20009", appCallData(Media.VIDEO, 1, "20009")), active(),
                stranger);
        assertRefused(busy, Refusal.Kind.NOT_BOUND);
        assertSame(call, busy.after(), "a stranger learns nothing and changes nothing");
        for (int status : new int[] {0, 1}) {
            Decision answer = engine.onApp(new AppCommand(DEVICE, "20009", appData(Media.VIDEO, status, "20009")),
                    active(), stranger);
            assertRefused(answer, Refusal.Kind.NOT_BOUND);
        }
        assertRefused(engine.onApp(new AppCommand(DEVICE, "20009", appCallData(Media.VIDEO, 0, "20009")), null, stranger),
                Refusal.Kind.NOT_BOUND);
        // Rung by the last call but not bound: may answer (and hear there is no call), not call the device.
        assertRefused(engine.onApp(new AppCommand(DEVICE, "20009", appCallData(Media.VIDEO, 1, "20009")), null,
                () -> Access.Relation.LAST_CALLEE), Refusal.Kind.NOT_BOUND);
    }

    @Test
    void idle_appCall_ringsTheDeviceWithControl1() {
        Decision d = appCall("20001", 1);

        assertNull(d.refusal());
        Call c = d.after();
        assertAll(
                () -> assertEquals(CallState.RINGING, c.state()),
                () -> assertEquals(Call.Direction.APP_CALLS_DEVICE, c.direction()),
                () -> assertEquals("20001", c.callerId()),
                () -> assertEquals(DEVICE_ID, c.calledId()),
                () -> assertEquals(List.of("20001"), c.callees()),
                () -> assertEquals(PHONE, c.userAgent()),
                () -> assertEquals(T0.plus(RING), c.deadline()));
        assertEquals(List.of(appCallData(Media.VIDEO, 1, "20001")), controls(d).stream()
                .map(Effect.Control::params).toList(), "step 4.1 mirrored: the app's Data goes to the device");
        List<CallEvent> events = assertEvents(d, CallEvent.RINGING);
        assertEquals(Map.of("caller", "20001", "called", DEVICE_ID), events.get(0).details());
    }

    @Test
    void idle_appHangUp_refusedNoCall() {
        assertRefused(appCall("20001", 0), Refusal.Kind.NO_CALL);
    }

    @Test
    void ringing_appCall_sameCallerChangesNothing() {
        Call ringing = placed("20001");
        Decision d = appCall("20001", 1);
        assertNull(d.refusal());
        assertSame(ringing, d.after());
        assertEquals(List.of(), d.effects());
    }

    @Test
    void ringing_appCall_anotherUserOrADeviceCall_refusedBusy() {
        placed("20001");
        assertRefused(appCall("20002", 1), Refusal.Kind.BUSY);
        setUp();
        ring("20001");
        assertRefused(appCall("20002", 1), Refusal.Kind.BUSY);
    }

    @Test
    void ringing_appHangUp_theCallerCancels() {
        placed("20001");
        clock.advance(Duration.ofSeconds(4));
        Decision d = appCall("20001", 0);

        assertEnded(d.after(), EndReason.CANCELED, "20001");
        assertEquals(1, controls(d).size(), "the ringing device is told");
        assertEquals(0, controls(d).get(0).params().get(VIDEO));
        assertEquals(DEVICE_ID, controls(d).get(0).params().get("_sys_called_id"));
        assertEvents(d, CallEvent.CANCELED, CallEvent.ENDED);
    }

    @Test
    void ringing_appHangUp_anotherUser_refused() {
        placed("20001");
        assertRefused(appCall("20002", 0), Refusal.Kind.NOT_CALLEE);
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20002", appData(Media.VIDEO, 0, "20002")),
                active(), BOUND)), Refusal.Kind.INVALID);
        // On the device's own call, a user cannot cancel as if they had placed it.
        setUp();
        ring("20001");
        assertRefused(appCall("20001", 0), Refusal.Kind.INVALID);
    }

    @Test
    void ringing_deviceAccept_theDeviceTakesTheCall() {
        placed("20001");
        clock.advance(Duration.ofSeconds(3));
        Decision d = report(deviceAnswer(Media.VIDEO, 1, "20001"));

        Call c = d.after();
        assertEquals(CallState.ACCEPTED, c.state());
        assertEquals(DEVICE_ID, c.answeredBy());
        assertEquals(clock.instant().plus(CONNECT), c.deadline());
        assertEquals(List.of(), controls(d), "the device itself accepted");
        assertEquals(Map.of("device", DEVICE_ID), assertEvents(d, CallEvent.ACCEPTED).get(0).details());
    }

    @Test
    void ringing_deviceRefuse_endsRejected() {
        placed("20001");
        Decision d = report(deviceAnswer(Media.VIDEO, 0, "20001"));

        assertEnded(d.after(), EndReason.REJECTED, DEVICE_ID);
        assertEquals(List.of(), controls(d));
        List<CallEvent> events = assertEvents(d, CallEvent.REJECTED, CallEvent.ENDED);
        assertEquals(false, events.get(0).details().get("busy"));
    }

    @Test
    void ringing_deviceRefuse_namingRejectUserId_endsBusy() {
        placed("20001");
        Map<String, Object> busy = deviceAnswer(Media.VIDEO, 0, "20001");
        busy.put("_sys_extra_info", "{\"rejectUserId\":\"20001\"}");
        Decision d = report(busy);

        assertEnded(d.after(), EndReason.BUSY, DEVICE_ID);
        assertEquals(true, events(d).get(0).details().get("busy"));
    }

    @Test
    void accepted_appCall_sameCallerChangesNothing() {
        Call accepted = deviceAccepted("20001");
        assertSame(accepted, appCall("20001", 1).after());
    }

    @Test
    void accepted_appHangUp_theCallerHangsUp() {
        deviceAccepted("20001");
        Decision d = appCall("20001", 0);
        assertEnded(d.after(), EndReason.HANGUP, "20001");
        assertEquals(1, controls(d).size());
        assertEvents(d, CallEvent.ENDED);
    }

    @Test
    void accepted_deviceAccept_changesNothing() {
        Call accepted = deviceAccepted("20001");
        Decision d = report(deviceAnswer(Media.VIDEO, 1, "20001"));
        assertSame(accepted, d.after());
        assertEquals(List.of(), d.effects());
    }

    @Test
    void connected_appCall_sameCallerChangesNothing() {
        Call connected = appCallConnected("20001");
        assertSame(connected, appCall("20001", 1).after());
        assertRefused(appCall("20002", 1), Refusal.Kind.BUSY);
    }

    @Test
    void connected_appHangUp_theCallerHangsUp() {
        appCallConnected("20001");
        clock.advance(Duration.ofSeconds(30));
        Decision d = appCall("20001", 0);
        assertEnded(d.after(), EndReason.HANGUP, "20001");
        assertEquals(Duration.ofSeconds(30), d.after().talkDuration());
        assertEquals(0, controls(d).get(0).params().get(VIDEO));
    }

    @Test
    void connected_deviceAccept_changesNothing() {
        Call connected = appCallConnected("20001");
        assertSame(connected, report(deviceAnswer(Media.VIDEO, 1, "20001")).after());
    }

    @Test
    void appCallsDevice_wholeCall_theDeviceHangsUp() {
        placed("20001");
        report(deviceAnswer(Media.VIDEO, 1, "20001"));
        Decision connected = report(deviceAnswer(Media.VIDEO, 2, "20001"));
        assertEquals(DEVICE_ID, connected.after().answeredBy());
        assertEvents(connected, CallEvent.CONNECTED);
        Decision ended = report(deviceAnswer(Media.VIDEO, 0, "20001"));
        assertEnded(ended.after(), EndReason.HANGUP, DEVICE_ID);
        assertEquals(List.of(CallEvent.RINGING, CallEvent.ACCEPTED, CallEvent.CONNECTED, CallEvent.ENDED),
                types(log));
    }

    @Test
    void appCallsDevice_statusTwoWhileRinging_connectsWithoutAnsweredElsewhere() {
        placed("20001");
        Decision d = report(deviceAnswer(Media.VIDEO, 2, "20001"));
        assertEquals(CallState.CONNECTED, d.after().state());
        assertEquals(DEVICE_ID, d.after().answeredBy());
        assertEvents(d, CallEvent.CONNECTED);
    }

    @Test
    void appCallsDevice_ringTimeout_endsNoAnswerAndTellsTheDevice() {
        placed("20001");
        clock.advance(RING);
        Decision d = deadline();
        assertEnded(d.after(), EndReason.NO_ANSWER, CallEngine.SERVER);
        assertEquals(0, controls(d).get(0).params().get(VIDEO));
        assertEquals("20001", controls(d).get(0).params().get("_sys_caller_id"));
    }

    @Test
    void appCallsDevice_theCallerMustBeTheTokensUser() {
        Map<String, Object> data = appCallData(Media.VIDEO, 1, "20001");
        data.put("_sys_caller_id", "20002");
        data.remove("_sys_userid");
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", data), null, BOUND)), Refusal.Kind.INVALID);
    }

    @Test
    void appCallsDevice_aStaleReportInItsFormLeavesTheDevicesOwnCallAlone() {
        Call ringing = ring("20001");
        Decision d = report(deviceAnswer(Media.VIDEO, 0, "20002"));
        assertNull(d.refusal());
        assertSame(ringing, d.after(), "not the device's ring being canceled");
        assertEquals(0, d.stateAfter().values().get(VIDEO), "the state is still recorded");
    }

    @Test
    void appCallsDevice_anotherUsersReportLeavesThisAppCallAlone() {
        Call ringing = placed("20001");
        Decision d = report(deviceAnswer(Media.VIDEO, 0, "20002"));
        assertSame(ringing, d.after());
        assertRefused(report(deviceAnswer(Media.VIDEO, 1, "20002")), Refusal.Kind.NO_CALL);
    }

    @Test
    void statusThree_refusedInvalid() {
        assertRefused(report(device(Media.VIDEO, 3, "20001")), Refusal.Kind.INVALID);
        ring("20001");
        Map<String, Object> data = appData(Media.VIDEO, 1, "20001");
        data.put(VIDEO, 3);
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", data), active(), BOUND)), Refusal.Kind.INVALID);
    }

    @Test
    void statusAsString_refusedInvalid() {
        Map<String, Object> params = device(Media.VIDEO, 1, "20001");
        params.put(VIDEO, "1");
        assertRefused(report(params), Refusal.Kind.INVALID);
        assertEquals(0, callsCreated);

        ring("20001");
        Map<String, Object> data = appData(Media.VIDEO, 1, "20001");
        data.put(VIDEO, "1");
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", data), active(), BOUND)), Refusal.Kind.INVALID);
        assertEquals(CallState.RINGING, call.state());
    }

    @Test
    void videoAndAudioBothOne_refusedInvalid() {
        Map<String, Object> params = device(Media.VIDEO, 1, "20001");
        params.put(AUDIO, 1);
        assertRefused(report(params), Refusal.Kind.INVALID);
        assertEquals(0, callsCreated);
    }

    @Test
    void appStatusTwo_refusedInvalid() {
        ring("20001");
        assertRefused(app("20001", 2), Refusal.Kind.INVALID);
    }

    @Test
    void appDataWithBothOrNoStatus_refusedInvalid() {
        ring("20001");
        Map<String, Object> both = appData(Media.VIDEO, 1, "20001");
        both.put(AUDIO, 1);
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", both), active(), BOUND)), Refusal.Kind.INVALID);
        Map<String, Object> none = appData(Media.VIDEO, 1, "20001");
        none.remove(VIDEO);
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", none), active(), BOUND)), Refusal.Kind.INVALID);
    }

    @Test
    void appDataNamingAnotherUser_refusedInvalid() {
        ring("u1;u2");
        Map<String, Object> data = appData(Media.VIDEO, 1, "u2");
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "u1", data), active(), BOUND)), Refusal.Kind.INVALID);
        assertNull(call.answeredBy());
    }

    @Test
    void appDataNamingAnotherCaller_refusedInvalid() {
        ring("20001");
        Map<String, Object> data = appData(Media.VIDEO, 1, "20001");
        data.put("_sys_caller_id", "OIUYKJHGBV/device02");
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", data), active(), BOUND)), Refusal.Kind.INVALID);
    }

    @Test
    void appAudioCommandOnVideoCall_refusedNoCall() {
        ring("20001");
        assertRefused(apply(engine.onApp(new AppCommand(DEVICE, "20001", appData(Media.AUDIO, 1, "20001")),
                active(), BOUND)), Refusal.Kind.NO_CALL);
    }

    @Test
    void malformedUserIds_refusedInvalid() {
        assertRefused(report(device(Media.VIDEO, 1, "u1;;u2")), Refusal.Kind.INVALID);
        Map<String, Object> numeric = device(Media.VIDEO, 1, "20001");
        numeric.put("_sys_user_agent", 12);
        assertRefused(report(numeric), Refusal.Kind.INVALID);
        assertEquals(0, callsCreated);
    }

    // ---- audio ----

    @Test
    void audioCall_worksLikeVideo() {
        Decision ring = report(device(Media.AUDIO, 1, "20001"));
        assertEquals(Media.AUDIO, ring.after().media());
        assertEvents(ring, CallEvent.RINGING);

        Decision accept = apply(engine.onApp(new AppCommand(DEVICE, "20001", appData(Media.AUDIO, 1, "20001")),
                active(), BOUND));
        assertEquals(CallState.ACCEPTED, accept.after().state());
        Map<String, Object> control = controls(accept).get(0).params();
        assertEquals(1, control.get(AUDIO));
        assertFalse(control.containsKey(VIDEO));

        Decision inCall = report(device(Media.AUDIO, 2, "20001"));
        assertEquals(CallState.CONNECTED, inCall.after().state());

        Decision hangUp = apply(engine.onApp(new AppCommand(DEVICE, "20001", appData(Media.AUDIO, 0, "20001")),
                active(), BOUND));
        assertEnded(hangUp.after(), EndReason.HANGUP, "20001");
        assertEquals(endControl(Media.AUDIO, "20001"), controls(hangUp).get(0).params());
        assertEquals(List.of(1, 2, 3, 4), seqs(log));
    }

    @Test
    void videoReportDuringAudioCall_onlyStatusOneIsBusy() {
        report(device(Media.AUDIO, 1, "20001"));
        Decision idleVideo = report(device(Media.VIDEO, 0, "20001"));
        assertNull(idleVideo.refusal());
        assertEquals(CallState.RINGING, idleVideo.after().state(), "a video status 0 does not end an audio call");
        assertRefused(report(device(Media.VIDEO, 1, "20001")), Refusal.Kind.BUSY);
    }

    // ---- device state ----

    @Test
    void deviceState_holdsTheReportedValues_andARefusedReportLeavesItUnchanged() {
        Map<String, Object> ringParams = device(Media.VIDEO, 1, "20001");
        ringParams.put("custom_prop", 7);
        report(ringParams);
        assertEquals(ringParams, state.values());
        long ringAt = timestamp;

        Map<String, Object> partial = new LinkedHashMap<>();
        partial.put(VIDEO, 0);
        report(partial);
        Map<String, Object> expected = new LinkedHashMap<>(ringParams);
        expected.put(VIDEO, 0);
        assertEquals(expected, state.values(), "a report updates what it names and keeps the rest");
        assertEquals(timestamp, state.reported().get(VIDEO).lastUpdate());
        assertEquals(ringAt, state.reported().get("custom_prop").lastUpdate());
        assertEquals(2, state.version());

        DeviceState before = state;
        Decision refused = report(device(Media.VIDEO, 3, "20001"));
        assertRefused(refused, Refusal.Kind.INVALID);
        assertSame(before, refused.stateAfter());
        assertEquals(expected, state.values());
    }

    // ---- control tokens and replies ----

    @Test
    void controlToken_roundTripsUuidCallIds() {
        engine = newEngine(() -> UUID.nameUUIDFromBytes(("call" + (++callsCreated)).getBytes()).toString());
        ring("20001");
        String id = call.id();
        assertTrue(id.contains("-"));
        Decision accept = app("20001", 1);
        String token = controls(accept).get(0).clientToken();

        assertEquals("cb-" + id + "-2", token);
        assertEquals(id, CallEngine.callIdOfControlToken(token));
        assertEquals(id, CallEngine.callIdOfControlToken(CallEngine.controlToken(call)));
        assertNull(CallEngine.callIdOfControlToken(null));
        assertNull(CallEngine.callIdOfControlToken("456"));
        assertNull(CallEngine.callIdOfControlToken("cb-"));
        assertNull(CallEngine.callIdOfControlToken("cb-7"));
        assertNull(CallEngine.callIdOfControlToken("xcb-" + id + "-2"));
    }

    @Test
    void controlReplyWithCodeZero_changesNothing() {
        accept("20001", "20001");
        Call accepted = call;
        Decision d = engine.onControlReply(accepted, "cb-call-1-2", 0, "ok");
        assertNull(d.refusal());
        assertTrue(d.unchanged());
        assertSame(accepted, d.after());
        assertEquals(List.of(), d.effects());
    }

    // ---- helpers ----

    static String camel(String enumName) {
        StringBuilder sb = new StringBuilder();
        for (String part : enumName.toLowerCase(Locale.ROOT).split("_")) {
            sb.append(sb.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return sb.toString();
    }

    /** A device report's params as the seed writes them; {@code users} goes in both userid and called id. */
    static Map<String, Object> device(Media media, int status, String users) {
        return callProps(media, status, users, DEVICE_ID, users, UA, null);
    }

    /** An app's Data as the seed writes it, for one user. */
    static Map<String, Object> appData(Media media, int status, String user) {
        return callProps(media, status, user, DEVICE_ID, user, UA, "father");
    }

    /** Call properties in the order the seed writes them; a null {@code username} is left out. */
    static Map<String, Object> callProps(Media media, int status, String users, String caller, String called,
            String userAgent, String username) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(media.statusProperty(), status);
        if (username != null) {
            p.put("username", username);
        }
        p.put("_sys_userid", users);
        p.put("_sys_caller_id", caller);
        p.put("_sys_called_id", called);
        p.put("_sys_user_agent", userAgent);
        return p;
    }

    /** The control 0 that tells the device a call it rang is over. */
    static Map<String, Object> endControl(Media media, String callees) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(media.statusProperty(), 0);
        p.put("_sys_userid", callees);
        p.put("_sys_caller_id", DEVICE_ID);
        p.put("_sys_called_id", callees);
        p.put("_sys_user_agent", UA);
        return p;
    }

    Call active() {
        return call != null && call.state().active() ? call : null;
    }

    /** Keeps what a store would keep: the call and state after a decision that was not refused. */
    Decision apply(Decision d) {
        if (!d.refused()) {
            if (d.stateAfter() != null) {
                state = d.stateAfter();
            }
            if (d.after() != null) {
                call = d.after();
            }
            log.addAll(events(d));
        }
        return d;
    }

    Decision report(Map<String, Object> params) {
        timestamp += 1000;
        return apply(engine.onReport(new DeviceReport(DEVICE, "tok-" + (++tokens), timestamp, params), state,
                active()));
    }

    Decision reportSeed(String json) {
        ThingMessage m = ThingCodec.parse(SeedPayloads.bytes(json));
        return apply(engine.onReport(new DeviceReport(DEVICE, m.clientToken(), m.timestamp(), m.params()), state,
                active()));
    }

    Decision app(String user, int status) {
        Media media = call != null ? call.media() : Media.VIDEO;
        return apply(engine.onApp(new AppCommand(DEVICE, user, appData(media, status, user)), active(), BOUND));
    }

    Decision deadline() {
        return apply(engine.onDeadline(call));
    }

    Decision offline() {
        return apply(engine.onOffline(call));
    }

    Decision controlReply(String token, int code, String status) {
        return apply(engine.onControlReply(call, token, code, status));
    }

    Call ring(String users) {
        Decision d = report(device(Media.VIDEO, 1, users));
        assertNull(d.refusal());
        assertEquals(CallState.RINGING, call.state());
        return call;
    }

    Call accept(String users, String user) {
        ring(users);
        Decision d = app(user, 1);
        assertNull(d.refusal());
        assertEquals(CallState.ACCEPTED, call.state());
        return call;
    }

    Call connect(String users, String user) {
        accept(users, user);
        Decision d = report(device(Media.VIDEO, 2, users));
        assertNull(d.refusal());
        assertEquals(CallState.CONNECTED, call.state());
        return call;
    }

    static List<Effect.Control> controls(Decision d) {
        return d.effects().stream().filter(Effect.Control.class::isInstance).map(Effect.Control.class::cast)
                .toList();
    }

    static List<CallEvent> events(Decision d) {
        return d.effects().stream().filter(Effect.Event.class::isInstance).map(e -> ((Effect.Event) e).event())
                .toList();
    }

    static List<String> types(List<CallEvent> events) {
        return events.stream().map(CallEvent::type).toList();
    }

    static List<Integer> seqs(List<CallEvent> events) {
        return events.stream().map(CallEvent::seq).toList();
    }

    /**
     * The decision's events have these types, in order, numbered on from the call's previous seq, with ids
     * {@code evt_<call>_<seq>}, stamped now, carrying the call after the decision; controls come first.
     */
    List<CallEvent> assertEvents(Decision d, String... types) {
        List<CallEvent> events = events(d);
        assertEquals(Arrays.asList(types), types(events));
        Call after = d.after();
        int previous = d.before() == null ? 0 : d.before().seq();
        assertEquals(previous + types.length, after.seq());
        List<Integer> expectedSeqs = IntStream.rangeClosed(previous + 1, previous + types.length).boxed().toList();
        assertEquals(expectedSeqs, seqs(events));
        for (CallEvent e : events) {
            assertEquals("evt_" + after.id() + "_" + e.seq(), e.id());
            assertEquals(clock.instant(), e.at());
            assertSame(after, e.call());
        }
        int firstEvent = d.effects().indexOf(d.effects().stream().filter(Effect.Event.class::isInstance)
                .findFirst().orElseThrow());
        assertEquals(controls(d).size(), firstEvent, "controls before events");
        if (d.before() != null) {
            assertEquals(d.before().version() + 1, after.version());
        }
        return events;
    }

    static void assertRefused(Decision d, Refusal.Kind kind) {
        assertNotNull(d.refusal(), "expected a refusal " + kind);
        assertEquals(kind, d.refusal().kind(), d.refusal().message());
        assertFalse(d.refusal().message() == null || d.refusal().message().isBlank());
        assertSame(d.before(), d.after(), "a refusal changes no call");
        assertSame(d.stateBefore(), d.stateAfter(), "a refusal changes no state");
        assertTrue(d.unchanged());
        assertEquals(List.of(), d.effects());
    }

    void assertEnded(Call c, EndReason reason, String by) {
        assertEquals(CallState.ENDED, c.state());
        assertFalse(c.state().active());
        assertEquals(reason, c.reason());
        assertEquals(by, c.endedBy());
        assertEquals(clock.instant(), c.endedAt());
        assertNull(c.deadline());
    }
}
