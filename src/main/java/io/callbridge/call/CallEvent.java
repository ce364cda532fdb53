package io.callbridge.call;

import java.time.Instant;
import java.util.Map;

/**
 * Something that happened to a call, for the app side. {@code seq} is its number within the call, so
 * {@link #id()} is stable: the same event always has the same id, across retries and restarts.
 */
public record CallEvent(String type, Call call, int seq, Instant at, Map<String, Object> details) {

    public static final String RINGING = "call.ringing";
    public static final String ACCEPTED = "call.accepted";
    public static final String ANSWERED_ELSEWHERE = "call.answered_elsewhere";
    public static final String REJECTED = "call.rejected";
    public static final String CANCELED = "call.canceled";
    public static final String CONNECTED = "call.connected";
    public static final String ENDED = "call.ended";
    public static final String CONTROL_FAILED = "call.control_failed";

    public CallEvent {
        details = Map.copyOf(details);
    }

    public String id() {
        return "evt_" + call.id() + "_" + seq;
    }
}
