package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs the engine against the store: read, decide, compare-and-set, and on a lost race read again and decide
 * anew, so the loser gets the protocol's answer for the state the winner left.
 */
public final class CallService {

    private static final int ATTEMPTS = 8;

    private final CallEngine engine;
    private final CallStore store;

    public CallService(CallEngine engine, CallStore store) {
        this.engine = engine;
        this.store = store;
    }

    public CallStore store() {
        return store;
    }

    /** Whether the user may call the device, read its data or watch it ({@link Access}). */
    public boolean mayUseDevice(DeviceId device, String user) {
        return Access.mayUseDevice(store.isBound(device, user));
    }

    /** Whether the user may join the device's media on the relay now ({@link Access}). */
    public boolean mayJoinMedia(DeviceId device, String user) {
        boolean bound = store.isBound(device, user);
        return Access.mayJoinMedia(bound, bound ? null : store.active(device).orElse(null), user);
    }

    /** What the user is to the device: bound, rung by its latest call, or a stranger. */
    public Access.Relation relation(DeviceId device, String user) {
        if (store.isBound(device, user)) {
            return Access.Relation.BOUND;
        }
        return store.byDevice(device, 1).stream().anyMatch(c -> c.isCallee(user)) ? Access.Relation.LAST_CALLEE
                : Access.Relation.STRANGER;
    }

    public Decision report(DeviceReport report) {
        return decide(() -> engine.onReport(report, store.deviceState(report.device()).orElse(null),
                store.active(report.device()).orElse(null), () -> store.boundUsers(report.device())));
    }

    public Decision app(AppCommand command) {
        return decide(() -> engine.onApp(command, store.active(command.device()).orElse(null),
                () -> relation(command.device(), command.userId())));
    }

    /**
     * Fires every deadline that is due; returns the decisions that changed a call. The first attempts are committed
     * together; a call that changed meanwhile is decided again on its own.
     */
    public List<Decision> fireDeadlines(int limit) {
        List<Decision> first = store.due(engine.now(), limit).stream().map(engine::onDeadline).toList();
        List<CompletableFuture<Boolean>> commits = first.stream()
                .map(d -> d.unchanged() ? CompletableFuture.completedFuture(true) : store.commitAsync(d)).toList();
        List<Decision> fired = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            Decision d = first.get(i);
            if (!join(commits.get(i))) {
                String id = d.call().id();
                d = decide(() -> store.find(id).map(engine::onDeadline).orElse(unchanged()));
            }
            if (!d.unchanged()) {
                fired.add(d);
            }
        }
        return fired;
    }

    private static boolean join(CompletableFuture<Boolean> commit) {
        try {
            return commit.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /** The device left its broker and stayed away for the grace: its active call, if any, ends OFFLINE. */
    public Decision offline(DeviceId device) {
        return decide(() -> engine.onOffline(store.active(device).orElse(null)));
    }

    /** The device's media ended or broke ({@code lost}), or came back; no active call: nothing. */
    public Decision media(DeviceId device, boolean lost) {
        return decide(() -> engine.onMedia(store.active(device).orElse(null), lost));
    }

    /** A control_reply from the device; empty when the token is not one of ours or its call is unknown. */
    public Optional<Decision> controlReply(DeviceId device, String clientToken, int code, String status) {
        String callId = CallEngine.callIdOfControlToken(clientToken);
        if (callId == null) {
            return Optional.empty();
        }
        Function<Call, Decision> onReply = c -> engine.onControlReply(c, clientToken, code, status);
        Optional<Call> call = store.find(callId).filter(c -> c.device().equals(device));
        if (call.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(decide(() -> store.find(callId).map(onReply).orElse(unchanged())));
    }

    private Decision decide(java.util.function.Supplier<Decision> attempt) {
        for (int i = 0; i < ATTEMPTS; i++) {
            Decision d = attempt.get();
            if (d.refused() || d.unchanged() || store.commit(d)) {
                return d;
            }
        }
        throw new IllegalStateException("call store kept changing under " + ATTEMPTS + " attempts");
    }

    private static Decision unchanged() {
        return new Decision(null, null, null, null, List.of(), null);
    }
}
