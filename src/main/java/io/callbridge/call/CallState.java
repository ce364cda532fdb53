package io.callbridge.call;

/** Where a call is. A device has at most one call that is not {@link #ENDED}. */
public enum CallState {
    RINGING, ACCEPTED, CONNECTED, ENDED;

    public boolean active() {
        return this != ENDED;
    }
}
