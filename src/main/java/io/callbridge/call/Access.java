package io.callbridge.call;

/**
 * Who may do what with a device (protocol §10). A user bound to the device may call it, read its data and join it
 * on the relay. A user the device names in its ring may answer that call and join its media while it lasts. A call
 * that was placed, cancelled or refused grants nothing afterwards; anyone else gets nothing.
 */
public final class Access {

    private Access() {
    }

    /** What a user is to a device, for an app's command on it. */
    public enum Relation {
        /** Bound by the operator: the device's user. */
        BOUND,
        /** Not bound, but rung by the device's latest call: a late answer gets the protocol's answer for it. */
        LAST_CALLEE,
        /** Anyone else: refused before anything about the device's calls is looked at. */
        STRANGER
    }

    /** Whether the user may send the device's calls an answer at all (a callee of the active call always may). */
    public static boolean mayAnswer(Relation relation) {
        return relation != Relation.STRANGER;
    }

    /** Call the device, read its data, watch it: bound users only. */
    public static boolean mayUseDevice(boolean bound) {
        return bound;
    }

    /** Join the device's media on the relay: bound, or a callee of the ring the device is making now. */
    public static boolean mayJoinMedia(boolean bound, Call active, String user) {
        return bound || active != null && active.state().active() && !active.appCalling() && active.isCallee(user);
    }
}
