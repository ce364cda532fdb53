package io.callbridge.store;

/** The database failed (not a lost race: that is a false commit). */
public class StoreException extends RuntimeException {

    public StoreException(String what, Throwable cause) {
        super(what + " failed: " + cause.getMessage(), cause);
    }
}
