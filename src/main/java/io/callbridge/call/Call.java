package io.callbridge.call;

import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Media;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The record of one call, immutable: every change is a new value with a higher {@code version}, so a store can
 * compare-and-set. {@code deadline} is when the current phase times out (ring or connect), null when none.
 * {@code seq} counts the events emitted so far; {@code lastReportAt} is the device timestamp of the last report
 * applied, used to drop reports that arrive out of order.
 */
public record Call(String id, DeviceId device, Media media, CallState state, String callerId, String calledId,
        List<String> callees, Set<String> rejectedBy, String answeredBy, String userAgent, Instant createdAt,
        Instant acceptedAt, Instant connectedAt, Instant endedAt, EndReason reason, String endedBy,
        Instant deadline, long version, int seq) {

    public Call {
        callees = List.copyOf(callees);
        rejectedBy = Set.copyOf(rejectedBy);
    }

    /** Who placed the call. */
    public enum Direction {
        DEVICE_CALLS_APP, APP_CALLS_DEVICE
    }

    /** An app user called the device: the caller is that user, the called party the device itself. */
    public Direction direction() {
        return callerId != null && !DeviceId.looksLikeDeviceId(callerId) && device.toString().equals(calledId)
                ? Direction.APP_CALLS_DEVICE : Direction.DEVICE_CALLS_APP;
    }

    public boolean appCalling() {
        return direction() == Direction.APP_CALLS_DEVICE;
    }

    public boolean isCallee(String userId) {
        return callees.contains(userId);
    }

    /** Callees still ringing: neither refused nor the one who answered. */
    public List<String> stillRinging() {
        return callees.stream().filter(u -> !rejectedBy.contains(u) && !u.equals(answeredBy)).toList();
    }

    /** How long it rang: until accepted, connected, or the end. */
    public Duration ringDuration() {
        Instant until = firstNonNull(acceptedAt, connectedAt, endedAt);
        return until == null ? null : Duration.between(createdAt, until);
    }

    /** How long the two sides talked: from connected to ended. */
    public Duration talkDuration() {
        return connectedAt == null || endedAt == null ? null : Duration.between(connectedAt, endedAt);
    }

    Call with(CallState state, Instant deadline) {
        return new Call(id, device, media, state, callerId, calledId, callees, rejectedBy, answeredBy, userAgent,
                createdAt, acceptedAt, connectedAt, endedAt, reason, endedBy, deadline, version, seq);
    }

    Call accepted(String user, Instant at, Instant deadline) {
        return new Call(id, device, media, CallState.ACCEPTED, callerId, calledId, callees, rejectedBy, user,
                userAgent, createdAt, at, connectedAt, endedAt, reason, endedBy, deadline, version, seq);
    }

    Call connected(String user, Instant at) {
        return new Call(id, device, media, CallState.CONNECTED, callerId, calledId, callees, rejectedBy, user,
                userAgent, createdAt, acceptedAt, at, endedAt, reason, endedBy, null, version, seq);
    }

    Call rejectedBy(Set<String> users) {
        return new Call(id, device, media, state, callerId, calledId, callees, users, answeredBy, userAgent,
                createdAt, acceptedAt, connectedAt, endedAt, reason, endedBy, deadline, version, seq);
    }

    Call ended(EndReason why, String by, Instant at) {
        return new Call(id, device, media, CallState.ENDED, callerId, calledId, callees, rejectedBy, answeredBy,
                userAgent, createdAt, acceptedAt, connectedAt, at, why, by, null, version, seq);
    }

    Call bumped(int events) {
        return new Call(id, device, media, state, callerId, calledId, callees, rejectedBy, answeredBy, userAgent,
                createdAt, acceptedAt, connectedAt, endedAt, reason, endedBy, deadline, version + 1, seq + events);
    }

    private static Instant firstNonNull(Instant... values) {
        for (Instant v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
