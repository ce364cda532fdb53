package io.callbridge.p2p;

/** A P2P signaling command or device answer that breaks the XP2P grammar; the message names the problem. */
public class P2pFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public P2pFormatException(String message) {
        super(message);
    }

    public P2pFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
