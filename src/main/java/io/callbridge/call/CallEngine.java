package io.callbridge.call;

import io.callbridge.thing.CallProperties;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Media;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.ThingException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The call state machine, for "device calls app" and its mirror "app calls device": a pure function from (device
 * state, active call, input) to a {@link Decision}. Every transition is one row of {@link #TABLE}; nothing here
 * talks to MQTT, HTTP or a store.
 */
public final class CallEngine {

    /** The phase of a device's active call; IDLE when it has none. */
    public enum Phase {
        IDLE, RINGING, ACCEPTED, CONNECTED, ENDED;

        static Phase of(Call active) {
            return active == null ? IDLE : Phase.valueOf(active.state().name());
        }
    }

    /**
     * What happened: a device report (by its status), an app command, a deadline or a failed control. In a call
     * the app placed, the app's status 1 and 0 are APP_CALL and APP_HANG_UP, and the ringing device's status 1 and
     * 0 are DEVICE_ACCEPT and DEVICE_REFUSE.
     */
    public enum Trigger {
        RING, DEVICE_IDLE, DEVICE_IN_CALL, ACCEPT, REJECT, DEADLINE, CONTROL_FAILED, MEDIA_LOST, MEDIA_RESUMED,
        APP_CALL, APP_HANG_UP, DEVICE_ACCEPT, DEVICE_REFUSE,
        /** The device left the broker and did not come back within the grace. */
        DEVICE_OFFLINE
    }

    /** {@code mediaGrace}: how long a connected call outlives its media before it ends as INTERRUPTED. */
    /**
     * {@code maxClockSkew}: how far ahead of the server's clock a report's timestamp may be. One further ahead would
     * become the device's newest and make every real report after it look stale, so it is refused.
     */
    public record Settings(Duration ringTimeout, Duration connectTimeout, Duration mediaGrace, Duration maxClockSkew) {

        public static final Duration DEFAULT_MAX_CLOCK_SKEW = Duration.ofMinutes(10);

        public Settings(Duration ringTimeout, Duration connectTimeout) {
            this(ringTimeout, connectTimeout, Duration.ofSeconds(10), DEFAULT_MAX_CLOCK_SKEW);
        }
    }

    /** One row of the table. */
    public record Row(Phase from, Trigger trigger, String outcome, Rule rule) {
    }

    @FunctionalInterface
    interface Rule {
        void apply(Step step);
    }

    /** Who ended a call when nobody on either side did. */
    public static final String SERVER = "server";

    private static final Map<Phase, Map<Trigger, Row>> TABLE = new EnumMap<>(Phase.class);

    static {
        row(Phase.IDLE, Trigger.RING, "RINGING; call.ringing; ring deadline", CallEngine::startRinging);
        row(Phase.IDLE, Trigger.DEVICE_IDLE, "no change", s -> { });
        row(Phase.IDLE, Trigger.DEVICE_IN_CALL, "no change (no call known)", s -> { });
        row(Phase.IDLE, Trigger.ACCEPT, "refused: no call", CallEngine::noCall);
        row(Phase.IDLE, Trigger.REJECT, "refused: no call", CallEngine::noCall);
        row(Phase.IDLE, Trigger.APP_CALL, "RINGING (app calls device); control 1; call.ringing; ring deadline",
                CallEngine::startAppCall);
        row(Phase.IDLE, Trigger.APP_HANG_UP, "refused: no call", CallEngine::noCall);
        row(Phase.IDLE, Trigger.DEVICE_OFFLINE, "no change (no call)", s -> { });

        row(Phase.RINGING, Trigger.RING, "same call: no change; other callees: refused busy", CallEngine::ringAgain);
        row(Phase.RINGING, Trigger.DEVICE_IDLE, "ENDED CANCELED; call.canceled, call.ended", CallEngine::cancel);
        row(Phase.RINGING, Trigger.DEVICE_IN_CALL, "CONNECTED; call.answered_elsewhere, call.connected",
                CallEngine::connect);
        row(Phase.RINGING, Trigger.ACCEPT, "callee: ACCEPTED; control 1; call.accepted, call.answered_elsewhere;"
                + " connect deadline. Other user: refused", CallEngine::accept);
        row(Phase.RINGING, Trigger.REJECT, "callee: call.rejected; last callee: ENDED REJECTED, control 0,"
                + " call.ended. Other user: refused", CallEngine::reject);
        row(Phase.RINGING, Trigger.DEADLINE, "ENDED NO_ANSWER; control 0; call.ended", CallEngine::noAnswer);
        row(Phase.RINGING, Trigger.CONTROL_FAILED, "call.control_failed", CallEngine::controlFailed);
        row(Phase.RINGING, Trigger.APP_CALL, "the same app call: no change; any other: refused busy",
                CallEngine::appCallAgain);
        row(Phase.RINGING, Trigger.APP_HANG_UP, "caller: ENDED CANCELED, control 0; call.canceled, call.ended."
                + " Other user: refused", CallEngine::cancelByCaller);
        row(Phase.RINGING, Trigger.DEVICE_ACCEPT, "ACCEPTED by the device; call.accepted; connect deadline",
                CallEngine::deviceAccepts);
        row(Phase.RINGING, Trigger.DEVICE_REFUSE, "ENDED REJECTED, or BUSY when it names rejectUserId;"
                + " call.rejected, call.ended", CallEngine::deviceRefuses);

        row(Phase.ACCEPTED, Trigger.RING, "same call: no change; other callees: refused busy", CallEngine::ringAgain);
        row(Phase.ACCEPTED, Trigger.DEVICE_IDLE, "ENDED FAILED (never connected); call.ended",
                s -> s.end(EndReason.FAILED, s.device.toString(), false));
        row(Phase.ACCEPTED, Trigger.DEVICE_IN_CALL, "CONNECTED; call.connected", CallEngine::connect);
        row(Phase.ACCEPTED, Trigger.ACCEPT, "answerer: no change; other callee: refused late accept",
                CallEngine::acceptAgain);
        row(Phase.ACCEPTED, Trigger.REJECT, "answerer: ENDED HANGUP, control 0, call.ended; other: refused",
                CallEngine::hangUpByApp);
        row(Phase.ACCEPTED, Trigger.DEADLINE, "ENDED FAILED; control 0; call.ended",
                s -> s.end(EndReason.FAILED, SERVER, true));
        row(Phase.ACCEPTED, Trigger.CONTROL_FAILED, "call.control_failed", CallEngine::controlFailed);
        row(Phase.ACCEPTED, Trigger.APP_CALL, "the same app call: no change; any other: refused busy",
                CallEngine::appCallAgain);
        row(Phase.ACCEPTED, Trigger.APP_HANG_UP, "caller: ENDED HANGUP, control 0, call.ended; other: refused",
                CallEngine::hangUpByCaller);
        row(Phase.ACCEPTED, Trigger.DEVICE_ACCEPT, "no change", s -> { });

        row(Phase.CONNECTED, Trigger.RING, "same call: no change; other callees: refused busy", CallEngine::ringAgain);
        row(Phase.CONNECTED, Trigger.DEVICE_IDLE, "ENDED HANGUP by the device; call.ended",
                s -> s.end(EndReason.HANGUP, s.device.toString(), false));
        row(Phase.CONNECTED, Trigger.DEVICE_IN_CALL, "no change", s -> { });
        row(Phase.CONNECTED, Trigger.ACCEPT, "answerer: no change; other callee: refused late accept",
                CallEngine::acceptAgain);
        row(Phase.CONNECTED, Trigger.REJECT, "answerer: ENDED HANGUP, control 0, call.ended; other: refused",
                CallEngine::hangUpByApp);
        row(Phase.CONNECTED, Trigger.CONTROL_FAILED, "call.control_failed", CallEngine::controlFailed);
        row(Phase.CONNECTED, Trigger.MEDIA_LOST, "media deadline: INTERRUPTED unless the device reports 0 in the grace",
                s -> s.call = s.call.with(CallState.CONNECTED, s.engine.now().plus(s.engine.settings.mediaGrace())));
        row(Phase.CONNECTED, Trigger.MEDIA_RESUMED, "media deadline cleared",
                s -> s.call = s.call.deadline() == null ? s.call : s.call.with(CallState.CONNECTED, null));
        row(Phase.CONNECTED, Trigger.DEADLINE, "ENDED INTERRUPTED (media gone, no report 0); control 0; call.ended",
                s -> s.end(EndReason.INTERRUPTED, SERVER, true));
        row(Phase.CONNECTED, Trigger.APP_CALL, "the same app call: no change; any other: refused busy",
                CallEngine::appCallAgain);
        row(Phase.CONNECTED, Trigger.APP_HANG_UP, "caller: ENDED HANGUP, control 0, call.ended; other: refused",
                CallEngine::hangUpByCaller);
        row(Phase.CONNECTED, Trigger.DEVICE_ACCEPT, "no change", s -> { });
        for (Phase p : List.of(Phase.RINGING, Phase.ACCEPTED, Phase.CONNECTED)) {
            row(p, Trigger.DEVICE_OFFLINE, "ENDED OFFLINE; control 0 (kept for the device's return); call.ended",
                    CallEngine::offline);
        }

        row(Phase.ENDED, Trigger.CONTROL_FAILED, "call.control_failed (the device missed the end)",
                CallEngine::controlFailed);
    }

    private final Settings settings;
    private final Clock clock;
    private final Supplier<String> callIds;

    public CallEngine(Settings settings, Clock clock, Supplier<String> callIds) {
        this.settings = settings;
        this.clock = clock;
        this.callIds = callIds;
    }

    /** The transition table, for documentation and tests. */
    public static List<Row> table() {
        List<Row> rows = new ArrayList<>();
        TABLE.values().forEach(m -> rows.addAll(m.values()));
        return Collections.unmodifiableList(rows);
    }

    public static Row row(Phase from, Trigger trigger) {
        return TABLE.getOrDefault(from, Map.of()).get(trigger);
    }

    // ---- inputs ----

    /** A device's {@code report}. Redeliveries and reports older than the last one applied change nothing. */
    public Decision onReport(DeviceReport report, DeviceState state, Call active) {
        return onReport(report, state, active, List::of);
    }

    /**
     * As above; {@code boundUsers} gives the users bound to the device, who ring when a report names no user
     * (asked only then).
     */
    public Decision onReport(DeviceReport report, DeviceState state, Call active,
            Supplier<List<String>> boundUsers) {
        DeviceId device = report.device();
        DeviceState before = state != null ? state : DeviceState.empty(device);
        CallProperties props;
        try {
            props = CallProperties.from(report.params());
        } catch (ThingException e) {
            return refuse(active, before, Refusal.Kind.INVALID, e.getMessage());
        }
        long latest = latestTimestamp();
        if (report.timestamp() != null && report.timestamp() > latest) {
            return refuse(active, before, Refusal.Kind.INVALID, "timestamp " + report.timestamp() + " is more than "
                    + settings.maxClockSkew().toSeconds() + " s ahead of the server's clock");
        }
        String fingerprint = fingerprint(report);
        if (fingerprint.equals(before.lastReport())) {
            return unchanged(active, before);
        }
        // A newest time beyond the skew was kept before the skew was checked: it orders nothing.
        if (report.timestamp() != null && before.lastReportAt() != null && before.lastReportAt() <= latest
                && report.timestamp() < before.lastReportAt()) {
            return unchanged(active, before);
        }
        Refusal contradiction = contradiction(device, props, active);
        if (contradiction != null) {
            return new Decision(active, active, before, before, List.of(), contradiction);
        }

        Trigger trigger = null;
        Media media = null;
        if (active != null && props.status(active.media()) != null) {
            media = active.media();
            int status = props.status(media);
            if (!active.appCalling()) {
                trigger = appCallForm(device, props) ? null : reportTrigger(status);
            } else if (!appCallForm(device, props) || ofThisAppCall(props, active)) {
                trigger = appCallTrigger(status, active.state());
            }
        } else {
            for (Media m : Media.values()) {
                Integer status = props.status(m);
                if (status == null) {
                    continue;
                }
                if (status == 1 && trigger == Trigger.RING) {
                    return refuse(active, before, Refusal.Kind.INVALID,
                            "a device takes one call at a time: video and audio status are both 1");
                }
                if (trigger == null || status == 1) {
                    // A ring of either kind decides; otherwise the first status present.
                    media = m;
                    trigger = reportTrigger(status);
                }
            }
            if (active != null && trigger != Trigger.RING) {
                // Idle or in-call status for the other kind of call: nothing to do with this call.
                trigger = null;
            }
        }
        Step step = new Step(this, device, active, props, media, null, null);
        step.boundUsers = boundUsers;
        if (trigger != null) {
            step.run(trigger);
            if (step.refusal != null) {
                return new Decision(active, active, before, before, List.of(), step.refusal);
            }
        }
        DeviceState after = record(before, report, fingerprint);
        return step.finish(before, after);
    }

    /**
     * An app's accept (status 1) or reject / hang-up (status 0), or its own call to the device. {@code relation}
     * says what the user is to the device (asked only for a user who is not a callee of the active call): only a
     * bound user may call it, and a stranger gets a refusal that tells nothing of the device's calls.
     */
    public Decision onApp(AppCommand command, Call active, Supplier<Access.Relation> relation) {
        Access.Relation known = active != null && active.isCallee(command.userId()) ? null : relation.get();
        if (known != null && !Access.mayAnswer(known)) {
            return refuse(active, null, Refusal.Kind.NOT_BOUND, "user " + command.userId() + " is not bound to "
                    + command.device());
        }
        CallProperties props;
        try {
            props = CallProperties.from(command.params());
        } catch (ThingException e) {
            return refuse(active, null, Refusal.Kind.INVALID, e.getMessage());
        }
        if (props.statuses().size() != 1) {
            return refuse(active, null, Refusal.Kind.INVALID,
                    "Data must hold exactly one of _sys_video_call_status and _sys_audio_call_status");
        }
        Media media = props.statuses().keySet().iterator().next();
        int status = props.status(media);
        if (status == 2) {
            return refuse(active, null, Refusal.Kind.INVALID,
                    media.statusProperty() + " 2 (in call) is reported by the device, not set by the app");
        }
        if (!props.userIds().isEmpty() && !props.userIds().equals(List.of(command.userId()))) {
            return refuse(active, null, Refusal.Kind.INVALID,
                    "_sys_userid in Data must be the access token's user " + command.userId());
        }
        boolean callsDevice = command.device().toString().equals(props.calledId());
        if (callsDevice && !command.userId().equals(props.callerId())) {
            return refuse(active, null, Refusal.Kind.INVALID, "to call " + command.device() + ", _sys_caller_id"
                    + " must be the access token's user " + command.userId());
        }
        if (callsDevice && status == 1
                && !Access.mayUseDevice((known != null ? known : relation.get()) == Access.Relation.BOUND)) {
            // A callee of the device's ring who is not its user may answer that ring, not call the device.
            return refuse(active, null, Refusal.Kind.NOT_BOUND, "user " + command.userId() + " is not bound to "
                    + command.device());
        }
        if (callsDevice || active != null && active.appCalling() && command.userId().equals(active.callerId())) {
            // The app's own call: status 1 places it, 0 cancels or hangs it up.
            Step step = new Step(this, command.device(), active, props, media, command.userId(), command.params());
            step.run(status == 1 ? Trigger.APP_CALL : Trigger.APP_HANG_UP);
            if (step.refusal != null) {
                return new Decision(active, active, null, null, List.of(), step.refusal);
            }
            return step.finish(null, null);
        }
        if (active != null && active.media() != media) {
            return refuse(active, null, Refusal.Kind.NO_CALL, "device " + command.device() + " has no active "
                    + media.name().toLowerCase() + " call");
        }
        if (active != null && props.callerId() != null && !props.callerId().equals(active.callerId())) {
            return refuse(active, null, Refusal.Kind.INVALID, "_sys_caller_id " + props.callerId()
                    + " is not the caller of the device's call (" + active.callerId() + ")");
        }
        Step step = new Step(this, command.device(), active, props, media, command.userId(), command.params());
        step.run(status == 1 ? Trigger.ACCEPT : Trigger.REJECT);
        if (step.refusal != null) {
            return new Decision(active, active, null, null, List.of(), step.refusal);
        }
        return step.finish(null, null);
    }

    /** The call's deadline has passed (ring or connect timeout); a deadline not yet due changes nothing. */
    public Decision onDeadline(Call call) {
        if (call.deadline() == null || now().isBefore(call.deadline()) || !call.state().active()) {
            return unchanged(call, null);
        }
        Step step = new Step(this, call.device(), call, null, call.media(), null, null);
        step.run(Trigger.DEADLINE);
        return step.finish(null, null);
    }

    /**
     * The call's media (the P2P voice send) closed or the link broke ({@code lost}), or it is back. A connected
     * call then gets the media grace to see the device report 0 before it ends as INTERRUPTED.
     */
    public Decision onMedia(Call call, boolean lost) {
        if (call == null) {
            return unchanged(null, null);
        }
        Step step = new Step(this, call.device(), call, null, call.media(), null, null);
        step.run(lost ? Trigger.MEDIA_LOST : Trigger.MEDIA_RESUMED);
        return step.finish(null, null);
    }

    /** The device's connection is gone (past the grace): its call, if any, ends OFFLINE. */
    public Decision onOffline(Call call) {
        if (call == null) {
            return unchanged(null, null);
        }
        Step step = new Step(this, call.device(), call, null, call.media(), null, null);
        step.run(Trigger.DEVICE_OFFLINE);
        return step.finish(null, null);
    }

    /** The device answered a control of this call; a non-zero code means it was not applied. */
    public Decision onControlReply(Call call, String clientToken, int code, String status) {
        if (code == 0) {
            return unchanged(call, null);
        }
        Step step = new Step(this, call.device(), call, null, call.media(), null, null);
        step.reply = details("clientToken", clientToken, "code", code, "status", status);
        step.run(Trigger.CONTROL_FAILED);
        return step.finish(null, null);
    }

    /** The control clientToken names the call and the transition, so a reply needs no lookup table. */
    public static String controlToken(Call call) {
        return "cb-" + call.id() + "-" + call.version();
    }

    /** The call id inside a control clientToken made by {@link #controlToken}, or null. */
    public static String callIdOfControlToken(String token) {
        if (token == null || !token.startsWith("cb-")) {
            return null;
        }
        int dash = token.lastIndexOf('-');
        return dash <= 3 ? null : token.substring(3, dash);
    }

    // ---- rules ----

    private static void startRinging(Step s) {
        List<String> callees = namedCallees(s);
        if (callees.isEmpty()) {
            callees = s.boundUsers.get();
        }
        if (callees.isEmpty()) {
            s.refuse(Refusal.Kind.INVALID, "no callee: _sys_userid and _sys_called_id name no app user, and no user"
                    + " is bound to " + s.device);
            return;
        }
        Instant now = s.engine.now();
        String caller = s.props.callerId() != null ? s.props.callerId() : s.device.toString();
        s.call = new Call(s.engine.callIds.get(), s.device, s.media, CallState.RINGING, caller, s.props.calledId(),
                callees, Set.of(), null, s.props.userAgent(), now, null, null, null, null, null,
                now.plus(s.engine.settings.ringTimeout()), 0, 0);
        s.event(CallEvent.RINGING, Map.of("callees", callees));
    }

    private static void startAppCall(Step s) {
        Instant now = s.engine.now();
        s.call = new Call(s.engine.callIds.get(), s.device, s.media, CallState.RINGING, s.user, s.device.toString(),
                List.of(s.user), Set.of(), null, s.props.userAgent(), now, null, null, null, null, null,
                now.plus(s.engine.settings.ringTimeout()), 0, 0);
        s.control(withStatus(s, 1));
        s.event(CallEvent.RINGING, details("caller", s.user, "called", s.device.toString()));
    }

    private static void appCallAgain(Step s) {
        boolean same = s.call.appCalling() && s.user.equals(s.call.callerId()) && s.media == s.call.media();
        if (!same) {
            s.refuse(Refusal.Kind.BUSY, "device " + s.device + " is already in call " + s.call.id() + " ("
                    + s.call.state() + ")");
        }
    }

    private static void cancelByCaller(Step s) {
        if (refuseUnlessCaller(s)) {
            return;
        }
        s.event(CallEvent.CANCELED, Map.of());
        s.end(EndReason.CANCELED, s.user, true);
    }

    private static void hangUpByCaller(Step s) {
        if (!refuseUnlessCaller(s)) {
            s.end(EndReason.HANGUP, s.user, true);
        }
    }

    private static boolean refuseUnlessCaller(Step s) {
        if (!s.call.appCalling()) {
            s.refuse(Refusal.Kind.INVALID, "call " + s.call.id() + " was placed by " + s.call.callerId()
                    + ": refuse or hang up with _sys_caller_id " + s.call.callerId());
        } else if (!s.user.equals(s.call.callerId())) {
            s.refuse(Refusal.Kind.NOT_CALLEE, "user " + s.user + " did not place call " + s.call.id());
        }
        return s.refusal != null;
    }

    private static void deviceAccepts(Step s) {
        Instant now = s.engine.now();
        String device = s.device.toString();
        s.call = s.call.accepted(device, now, now.plus(s.engine.settings.connectTimeout()));
        s.event(CallEvent.ACCEPTED, details("device", device));
    }

    /** A busy device names the user it refuses in {@code _sys_extra_info}; otherwise it declines. */
    private static void deviceRefuses(Step s) {
        String busyFor = s.props.rejectUserId();
        s.event(CallEvent.REJECTED, details("device", s.device.toString(), "final", true, "busy", busyFor != null));
        s.end(busyFor != null ? EndReason.BUSY : EndReason.REJECTED, s.device.toString(), false);
    }

    private static Map<String, Object> withStatus(Step s, int status) {
        Map<String, Object> params = new LinkedHashMap<>(s.appParams);
        params.put(s.media.statusProperty(), status);
        return params;
    }

    private static void ringAgain(Step s) {
        List<String> callees = namedCallees(s);
        boolean sameCall = s.media == s.call.media() && (callees.isEmpty()
                || new HashSet<>(callees).equals(new HashSet<>(s.call.callees())));
        if (!sameCall) {
            s.refuse(Refusal.Kind.BUSY, "device " + s.device + " is already in call " + s.call.id() + " ("
                    + s.call.state() + "); report 0 to end it first");
        }
    }

    /** Who the report rings: {@code _sys_userid}, else the users of {@code _sys_called_id}. */
    private static List<String> namedCallees(Step s) {
        return s.props.userIds().isEmpty() ? s.props.calledUsers() : s.props.userIds();
    }

    private static void noCall(Step s) {
        s.refuse(Refusal.Kind.NO_CALL, "device " + s.device + " has no active call");
    }

    private static void cancel(Step s) {
        s.event(CallEvent.CANCELED, Map.of());
        s.end(EndReason.CANCELED, s.device.toString(), false);
    }

    private static void connect(Step s) {
        Call c = s.call;
        String answeredBy = c.appCalling() ? s.device.toString() : c.answeredBy();
        if (answeredBy == null) {
            // Status 2 while still ringing: the device names who took the call, if it can.
            List<String> named = s.props.userIds().stream().filter(c::isCallee).toList();
            answeredBy = named.size() == 1 ? named.get(0) : c.callees().size() == 1 ? c.callees().get(0) : null;
        }
        String taker = answeredBy;
        // After an accept the other callees were told then; only a call still ringing tells them now.
        List<String> others = c.answeredBy() != null || c.appCalling() ? List.of()
                : c.stillRinging().stream().filter(u -> !u.equals(taker)).toList();
        s.call = c.connected(answeredBy, s.engine.now());
        if (!others.isEmpty()) {
            s.event(CallEvent.ANSWERED_ELSEWHERE, details("users", others, "answeredBy", answeredBy));
        }
        s.event(CallEvent.CONNECTED, details("answeredBy", answeredBy));
    }

    private static void accept(Step s) {
        if (!s.call.isCallee(s.user)) {
            s.refuse(Refusal.Kind.NOT_CALLEE, "user " + s.user + " is not a callee of call " + s.call.id());
            return;
        }
        Instant now = s.engine.now();
        List<String> others = s.call.stillRinging().stream().filter(u -> !u.equals(s.user)).toList();
        Set<String> rejected = new HashSet<>(s.call.rejectedBy());
        rejected.remove(s.user);
        s.call = s.call.rejectedBy(rejected).accepted(s.user, now, now.plus(s.engine.settings.connectTimeout()));
        s.control(withStatus(s, 1));
        s.event(CallEvent.ACCEPTED, details("user", s.user));
        if (!others.isEmpty()) {
            s.event(CallEvent.ANSWERED_ELSEWHERE, details("users", others, "answeredBy", s.user));
        }
    }

    private static void acceptAgain(Step s) {
        if (s.user.equals(s.call.answeredBy())) {
            return;
        }
        refuseOtherUser(s);
    }

    private static void reject(Step s) {
        if (!s.call.isCallee(s.user)) {
            s.refuse(Refusal.Kind.NOT_CALLEE, "user " + s.user + " is not a callee of call " + s.call.id());
            return;
        }
        if (s.call.rejectedBy().contains(s.user)) {
            return;
        }
        Set<String> rejected = new HashSet<>(s.call.rejectedBy());
        rejected.add(s.user);
        s.call = s.call.rejectedBy(rejected);
        List<String> remaining = s.call.stillRinging();
        s.event(CallEvent.REJECTED, details("user", s.user, "final", remaining.isEmpty(), "stillRinging", remaining));
        if (remaining.isEmpty()) {
            s.end(EndReason.REJECTED, s.user, true);
        }
    }

    private static void hangUpByApp(Step s) {
        if (s.user.equals(s.call.answeredBy())) {
            s.end(EndReason.HANGUP, s.user, true);
            return;
        }
        refuseOtherUser(s);
    }

    private static void refuseOtherUser(Step s) {
        if (s.call.isCallee(s.user)) {
            s.refuse(Refusal.Kind.ANSWERED_ELSEWHERE, "call " + s.call.id() + " was answered by another user");
        } else {
            s.refuse(Refusal.Kind.NOT_CALLEE, "user " + s.user + " is not a callee of call " + s.call.id());
        }
    }

    private static void offline(Step s) {
        s.end(EndReason.OFFLINE, s.call.device().toString(), true);
    }

    private static void noAnswer(Step s) {
        s.end(EndReason.NO_ANSWER, SERVER, true);
    }

    private static void controlFailed(Step s) {
        s.event(CallEvent.CONTROL_FAILED, s.reply);
    }

    // ---- helpers ----

    private static Trigger reportTrigger(int status) {
        return switch (status) {
            case 0 -> Trigger.DEVICE_IDLE;
            case 1 -> Trigger.RING;
            default -> Trigger.DEVICE_IN_CALL;
        };
    }

    /** In a call the app placed, the device's 1 accepts and its 0 refuses while it rings. */
    private static Trigger appCallTrigger(int status, CallState state) {
        return switch (status) {
            case 0 -> state == CallState.RINGING ? Trigger.DEVICE_REFUSE : Trigger.DEVICE_IDLE;
            case 1 -> Trigger.DEVICE_ACCEPT;
            default -> Trigger.DEVICE_IN_CALL;
        };
    }

    /** The report speaks of a call an app user placed to this device (the mirror of the device's own ring). */
    private static boolean appCallForm(DeviceId device, CallProperties props) {
        return props.callerId() != null && props.callerDevice() == null
                || device.toString().equals(props.calledId());
    }

    /** The report names the caller of this app call, or no caller at all. */
    private static boolean ofThisAppCall(CallProperties props, Call active) {
        return props.callerId() == null || props.callerId().equals(active.callerId());
    }

    /** Ids that cannot belong to a report of this device: refused rather than guessed at. */
    private static Refusal contradiction(DeviceId device, CallProperties props, Call active) {
        DeviceId callerDevice = props.callerDevice();
        if (callerDevice != null && !callerDevice.equals(device)) {
            return new Refusal(Refusal.Kind.INVALID, "_sys_caller_id " + callerDevice
                    + " contradicts the topic's device " + device);
        }
        boolean userCaller = props.callerId() != null && callerDevice == null;
        boolean calledThis = device.toString().equals(props.calledId());
        if (props.calledId() != null && DeviceId.looksLikeDeviceId(props.calledId()) && !calledThis) {
            return userCaller
                    ? new Refusal(Refusal.Kind.INVALID, "_sys_called_id " + props.calledId()
                            + " contradicts the topic's device " + device)
                    : new Refusal(Refusal.Kind.UNSUPPORTED, "_sys_called_id " + props.calledId()
                            + " is another device: device-to-device calls are not handled yet");
        }
        if (calledThis && callerDevice != null) {
            return new Refusal(Refusal.Kind.INVALID, "a device does not call itself");
        }
        if ((userCaller || calledThis) && props.statuses().containsValue(1)
                && !(active != null && active.appCalling() && ofThisAppCall(props, active))) {
            return new Refusal(Refusal.Kind.NO_CALL, "no call from "
                    + (userCaller ? props.callerId() : "an app user") + " to " + device + " is ringing");
        }
        return null;
    }

    private DeviceState record(DeviceState before, DeviceReport report, String fingerprint) {
        long at = report.timestamp() != null ? report.timestamp() : now().toEpochMilli();
        Map<String, DeviceState.Reported> reported = new HashMap<>(before.reported());
        report.params().forEach((k, v) -> {
            if (v != null) {
                reported.put(k, new DeviceState.Reported(v, at));
            }
        });
        Long lastAt = before.lastReportAt();
        if (lastAt != null && lastAt > latestTimestamp()) {
            lastAt = null;
        }
        if (report.timestamp() != null) {
            lastAt = lastAt == null ? report.timestamp() : Math.max(lastAt, report.timestamp());
        }
        return new DeviceState(before.device(), reported, lastAt, fingerprint, before.version() + 1);
    }

    /** The latest report timestamp (ms) taken as true now. */
    private long latestTimestamp() {
        return now().plus(settings.maxClockSkew()).toEpochMilli();
    }

    private static String fingerprint(DeviceReport report) {
        return report.clientToken() + "|" + report.timestamp() + "|" + ThingCodec.toJson(new TreeMap<>(report.params()));
    }

    private static Decision unchanged(Call call, DeviceState state) {
        return new Decision(call, call, state, state, List.of(), null);
    }

    private static Decision refuse(Call call, DeviceState state, Refusal.Kind kind, String message) {
        return new Decision(call, call, state, state, List.of(), new Refusal(kind, message));
    }

    private static Map<String, Object> details(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                m.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return m;
    }

    private static void row(Phase from, Trigger trigger, String outcome, Rule rule) {
        TABLE.computeIfAbsent(from, p -> new EnumMap<>(Trigger.class)).put(trigger, new Row(from, trigger, outcome, rule));
    }

    Instant now() {
        return clock.instant();
    }

    /** The work of one transition: the call as it evolves, the events and controls it produces, or a refusal. */
    static final class Step {
        final CallEngine engine;
        final DeviceId device;
        final Call before;
        final CallProperties props;
        final Media media;
        final String user;
        final Map<String, Object> appParams;
        Call call;
        Refusal refusal;
        Map<String, Object> reply;
        Supplier<List<String>> boundUsers = List::of;
        private final List<String> eventTypes = new ArrayList<>();
        private final List<Map<String, Object>> eventDetails = new ArrayList<>();
        private final List<Map<String, Object>> controls = new ArrayList<>();

        Step(CallEngine engine, DeviceId device, Call active, CallProperties props, Media media, String user,
                Map<String, Object> appParams) {
            this.engine = engine;
            this.device = device;
            this.before = active;
            this.call = active;
            this.props = props;
            this.media = media;
            this.user = user;
            this.appParams = appParams;
        }

        void run(Trigger trigger) {
            Row row = CallEngine.row(Phase.of(call), trigger);
            if (row != null) {
                row.rule().apply(this);
            }
        }

        void refuse(Refusal.Kind kind, String message) {
            refusal = new Refusal(kind, message);
        }

        void event(String type, Map<String, Object> details) {
            eventTypes.add(type);
            eventDetails.add(details);
        }

        void control(Map<String, Object> params) {
            controls.add(params);
        }

        /** Ends the call; {@code tellDevice} sends control 0 when the device does not know yet. */
        void end(EndReason reason, String by, boolean tellDevice) {
            Call c = call;
            call = c.ended(reason, by, engine.now());
            if (tellDevice) {
                control(CallProperties.controlParams(c.media(), 0, c.callees(), c.callerId(), c.calledId(),
                        c.userAgent()));
            }
            event(CallEvent.ENDED, details("reason", reason.name(), "endedBy", by));
        }

        Decision finish(DeviceState stateBefore, DeviceState stateAfter) {
            if (call == before && eventTypes.isEmpty() && controls.isEmpty()) {
                return new Decision(before, before, stateBefore, stateAfter, List.of(), null);
            }
            Call after = call.bumped(eventTypes.size());
            List<Effect> effects = new ArrayList<>();
            String token = controlToken(after);
            for (Map<String, Object> params : controls) {
                effects.add(new Effect.Control(after.device(), token, params));
            }
            Instant now = engine.now();
            for (int i = 0; i < eventTypes.size(); i++) {
                int seq = after.seq() - eventTypes.size() + i + 1;
                effects.add(new Effect.Event(new CallEvent(eventTypes.get(i), after, seq, now, eventDetails.get(i))));
            }
            return new Decision(before, after, stateBefore, stateAfter, effects, null);
        }
    }
}
