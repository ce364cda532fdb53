package io.callbridge.p2p;

/** A signaling exchange that failed, with the close code an app would see (1003 link broken, 1007 no answer). */
public class P2pException extends RuntimeException {

    private final int code;

    public P2pException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
