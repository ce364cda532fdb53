package io.callbridge.call;

/** Why a call ended, in the words call kits use (protocol.md §9). */
public enum EndReason {
    /** Normal end of a connected call, by either side. */
    HANGUP,
    /** The caller gave up before an answer. */
    CANCELED,
    /** Every callee refused. */
    REJECTED,
    /** Nobody answered before the ring timeout. */
    NO_ANSWER,
    /** Another callee took the call (used on per-callee records). */
    ANSWERED_ELSEWHERE,
    /** Accepted but never connected. */
    FAILED,
    BUSY,
    OFFLINE,
    INTERRUPTED,
    ENDED_BY_SERVER
}
