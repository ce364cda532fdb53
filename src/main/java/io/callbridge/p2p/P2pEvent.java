package io.callbridge.p2p;

import io.callbridge.thing.DeviceId;

import java.time.Instant;

/**
 * Something that happened on the relay, for routes: who ({@code device}, and {@code user}/{@code session} for an
 * app), the command or answer text, and for closes the protocol's code and sub-code (1000/2000 voice closed,
 * 1000/2001 stream closed, 1003 link broken, 1007 no answer, 1008 refused).
 */
public record P2pEvent(Type type, DeviceId device, String user, String session, String command, String answer,
        Integer code, Integer subCode, Instant at) {

    public enum Type {
        DEVICE_CONNECTED, DEVICE_DISCONNECTED, APP_CONNECTED, APP_DISCONNECTED, COMMAND, ANSWER, NO_ANSWER,
        VOICE_OPENED, VOICE_CLOSED, STREAM_OPENED, STREAM_CLOSED
    }

    /** The app's close event codes (XP2P). */
    public static final int CLOSED = 1000;
    public static final int VOICE_SERVICE_CLOSED = 2000;
    public static final int STREAM_RECEIVE_CLOSED = 2001;
    public static final int LINK_BROKEN = 1003;
    public static final int NO_ANSWER_CODE = 1007;
    public static final int REFUSED = 1008;

    static P2pEvent of(Type type, DeviceId device, String user, String session) {
        return new P2pEvent(type, device, user, session, null, null, null, null, Instant.now());
    }

    P2pEvent withCommand(String command, String answer) {
        return new P2pEvent(type, device, user, session, command, answer, code, subCode, at);
    }

    P2pEvent withCode(Integer code, Integer subCode) {
        return new P2pEvent(type, device, user, session, command, answer, code, subCode, at);
    }
}
