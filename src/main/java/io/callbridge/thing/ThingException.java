package io.callbridge.thing;

/** A message from a device that is refused; {@link #code()} goes back in the reply. */
public class ThingException extends RuntimeException {

    /** Not JSON, not an object, or no method. */
    public static final int MALFORMED = 400;
    /** A property value or id the protocol does not allow. */
    public static final int INVALID_VALUE = 422;
    /** Valid on its own but at odds with the device's call (e.g. a second ring while in a call). */
    public static final int CONFLICT = 409;
    /** The device sends faster than its configured rate; the device may send again later. */
    public static final int TOO_MANY = 429;
    /** A method or flow CallBridge does not handle. */
    public static final int UNSUPPORTED = 501;
    /** CallBridge failed; the device may retry. */
    public static final int INTERNAL = 500;

    private final int code;

    public ThingException(int code, String reason) {
        super(reason);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
