package io.callbridge.p2p;

/**
 * The bytes of a relayed stream are not valid FLV. Unchecked: the relay closes the stream with
 * {@link #getMessage()} as the reason rather than recovering.
 */
public class FlvFormatException extends RuntimeException {

    private final long offset;

    public FlvFormatException(long offset, String problem) {
        super(problem + " at byte " + offset);
        this.offset = offset;
    }

    /** Stream offset (0-based, from the first byte fed) of the offending field's first byte. */
    public long offset() {
        return offset;
    }
}
