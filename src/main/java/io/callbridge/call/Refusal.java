package io.callbridge.call;

/** Why the engine refused an input; the transport turns the kind into its own error code. */
public record Refusal(Kind kind, String message) {

    public enum Kind {
        /** A property value or id the protocol does not allow, or one that contradicts the topic. */
        INVALID,
        /** The device has no call this input could apply to. */
        NO_CALL,
        /** The user is not bound to the device, and only bound users may do this. */
        NOT_BOUND,
        /** The user is not a callee of the call. */
        NOT_CALLEE,
        /** Another callee already answered. */
        ANSWERED_ELSEWHERE,
        /** The device is already in a call. */
        BUSY,
        /** A flow CallBridge does not handle yet. */
        UNSUPPORTED
    }
}
