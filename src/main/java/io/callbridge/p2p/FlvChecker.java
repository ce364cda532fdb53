package io.callbridge.p2p;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Checks, incrementally, that a relayed byte stream is FLV (Adobe FLV spec v10.1, annex E) and finds
 * its tag boundaries. WebSocket frames cut the stream anywhere, so every field may arrive split
 * across chunks; only the few bytes of the current header field are kept, tag data is counted and
 * never buffered, and feeding allocates nothing until the first violation.
 *
 * <p>Errors are returned, not thrown: {@link #feed} gives {@link Result#OK} or a failed
 * {@link Result} holding an {@link FlvFormatException} whose message says what was wrong and at
 * which stream offset (0-based, from the first byte ever fed; for a multi-byte field, its first
 * byte). The first violation is final: later feeds return the same failed result and count nothing.
 * A relay closes the stream with {@link Result#reason()}, or calls {@link Result#throwIfFailed()}.
 *
 * <p>Not checked, on purpose: the header's audio/video flags against the tags present (encoders
 * get them wrong), timestamp order, and the codec payload inside tags.
 *
 * <p>Not thread-safe: one checker per stream direction, fed in order.
 */
public final class FlvChecker {

    /** Bounds what a bogus DataSize can let through unchecked (the field itself allows 16 MiB). */
    public static final int DEFAULT_MAX_TAG_DATA_SIZE = 4 * 1024 * 1024;

    /** The FLV version 1 header length; DataOffset can only be larger. */
    public static final int HEADER_SIZE = 9;
    /** TagType, DataSize, Timestamp, TimestampExtended, StreamID. */
    public static final int TAG_HEADER_SIZE = 11;

    private static final int FLAG_AUDIO = 0x04;
    private static final int FLAG_VIDEO = 0x01;
    private static final byte[] SIGNATURE = {'F', 'L', 'V'};

    /** The tag types FLV allows (the low 5 bits of the first tag byte). */
    public enum TagType {
        AUDIO(8), VIDEO(9), SCRIPT_DATA(18);

        private final int code;

        TagType(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static TagType of(int code) {
            return switch (code) {
                case 8 -> AUDIO;
                case 9 -> VIDEO;
                case 18 -> SCRIPT_DATA;
                default -> null;
            };
        }
    }

    /** The outcome of a feed: {@link #OK}, or the violation that failed the stream. */
    public record Result(FlvFormatException error) {

        /** Shared so that a healthy stream allocates nothing per chunk. */
        public static final Result OK = new Result(null);

        public boolean ok() {
            return error == null;
        }

        /** What was wrong and where, for a close reason; null when ok. */
        public String reason() {
            return error == null ? null : error.getMessage();
        }

        public void throwIfFailed() {
            if (error != null) {
                throw error;
            }
        }
    }

    private enum State {
        SIGNATURE, VERSION, FLAGS, DATA_OFFSET, HEADER_EXTRA, PREVIOUS_TAG_SIZE_0,
        TAG_HEADER, TAG_DATA, PREVIOUS_TAG_SIZE, FAILED
    }

    private final int maxTagDataSize;

    private State state = State.SIGNATURE;
    private long position;
    /** Bytes read of the current field, and its value so far (big-endian). */
    private int fieldPos;
    private long acc;
    private long fieldStart;
    /** Bytes still to pass in HEADER_EXTRA or TAG_DATA; never 0 in those states. */
    private long skipLeft;

    private int flags = -1;
    private long dataOffset = -1;
    private boolean headerComplete;

    private long tagStart;
    private TagType tagType;
    private int tagDataSize;
    private long tagTimestamp;

    private long tags;
    private TagType lastTagType;
    private long lastTimestamp = -1;
    private long lastBoundary = -1;

    private Result failure;

    public FlvChecker() {
        this(DEFAULT_MAX_TAG_DATA_SIZE);
    }

    /**
     * @param maxTagDataSize the largest tag DataSize accepted; it also bounds the extra header bytes
     *     a DataOffset above 9 may announce, so that no size field lets unchecked bytes through
     */
    public FlvChecker(int maxTagDataSize) {
        if (maxTagDataSize <= 0) {
            throw new IllegalArgumentException("maxTagDataSize must be positive: " + maxTagDataSize);
        }
        this.maxTagDataSize = maxTagDataSize;
    }

    /**
     * Quick rejection on a stream's first bytes: true when they are at least the 3-byte signature
     * and nothing in them (only the first 13 are looked at: header and PreviousTagSize0) contradicts
     * an FLV start. Fewer than 3 bytes cannot tell, and give false.
     */
    public static boolean looksLikeFlv(byte[] firstBytes) {
        if (firstBytes == null || firstBytes.length < SIGNATURE.length) {
            return false;
        }
        return new FlvChecker().feed(firstBytes, 0, Math.min(firstBytes.length, HEADER_SIZE + 4)).ok();
    }

    public Result feed(byte[] chunk) {
        return feed(chunk, 0, chunk.length);
    }

    public Result feed(byte[] chunk, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, chunk.length);
        return run(chunk, null, offset, offset + length);
    }

    /**
     * Checks the buffer's remaining bytes without moving its position, so that the relay can
     * forward the same buffer afterwards.
     */
    public Result feed(ByteBuffer chunk) {
        if (chunk.hasArray()) {
            int base = chunk.arrayOffset();
            return run(chunk.array(), null, base + chunk.position(), base + chunk.limit());
        }
        return run(null, chunk, chunk.position(), chunk.limit());
    }

    /** Bytes checked so far, up to and including the byte that revealed a violation. */
    public long bytesSeen() {
        return position;
    }

    /** Tags whose trailing PreviousTagSize has been checked. */
    public long tagCount() {
        return tags;
    }

    /** True once the whole header, DataOffset bytes long, has been read (PreviousTagSize0 follows). */
    public boolean headerComplete() {
        return headerComplete;
    }

    /** Header flag 0x04 (audio present); false until the flags byte has been read. */
    public boolean hasAudioFlag() {
        return flags >= 0 && (flags & FLAG_AUDIO) != 0;
    }

    /** Header flag 0x01 (video present); false until the flags byte has been read. */
    public boolean hasVideoFlag() {
        return flags >= 0 && (flags & FLAG_VIDEO) != 0;
    }

    /** The header's DataOffset, -1 until read. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Type of the last complete tag; null before the first. */
    public TagType lastTagType() {
        return lastTagType;
    }

    /**
     * Timestamp in ms of the last complete tag: TimestampExtended as the high 8 bits over the
     * 24-bit Timestamp, read unsigned (0 to 2^32-1); -1 before the first tag.
     */
    public long lastTimestamp() {
        return lastTimestamp;
    }

    /**
     * True when the bytes fed so far end exactly after a PreviousTagSize (PreviousTagSize0
     * included): a place where the stream can be cut cleanly. False once failed.
     */
    public boolean atTagBoundary() {
        return state == State.TAG_HEADER && fieldPos == 0;
    }

    /** Stream offset just after the last checked PreviousTagSize, -1 if none yet. */
    public long lastBoundaryOffset() {
        return lastBoundary;
    }

    public boolean failed() {
        return failure != null;
    }

    /** The violation that failed the stream, null if none. */
    public FlvFormatException failure() {
        return failure == null ? null : failure.error();
    }

    /** Exactly one of array and buffer is non-null; indices are absolute in it. */
    private Result run(byte[] array, ByteBuffer buffer, int from, int to) {
        if (failure != null) {
            return failure;
        }
        int i = from;
        while (i < to) {
            if (state == State.TAG_DATA || state == State.HEADER_EXTRA) {
                // Counted, not read: the payload is not ours to check.
                int n = (int) Math.min(to - i, skipLeft);
                i += n;
                position += n;
                skipLeft -= n;
                if (skipLeft == 0) {
                    beginField(state == State.TAG_DATA ? State.PREVIOUS_TAG_SIZE : State.PREVIOUS_TAG_SIZE_0);
                }
                continue;
            }
            int b = (array != null ? array[i] : buffer.get(i)) & 0xFF;
            i++;
            FlvFormatException e = step(b);
            if (e != null) {
                state = State.FAILED;
                failure = new Result(e);
                return failure;
            }
        }
        return Result.OK;
    }

    /** Reads one header byte; returns the violation it reveals, if any. */
    private FlvFormatException step(int b) {
        long at = position++;
        switch (state) {
            case SIGNATURE -> {
                int want = SIGNATURE[(int) at];
                if (b != want) {
                    return new FlvFormatException(at, "not FLV: " + describe(b) + " where '" + (char) want
                            + "' of the \"FLV\" signature was expected");
                }
                if (at == SIGNATURE.length - 1) {
                    state = State.VERSION;
                }
            }
            case VERSION -> {
                if (b != 1) {
                    return new FlvFormatException(at, "FLV version " + b + " is not supported (only 1)");
                }
                state = State.FLAGS;
            }
            case FLAGS -> {
                if ((b & ~(FLAG_AUDIO | FLAG_VIDEO)) != 0) {
                    return new FlvFormatException(at, String.format(
                            "FLV header flags 0x%02X have reserved bits set (only audio 0x04 and video 0x01 may be)", b));
                }
                flags = b;
                beginField(State.DATA_OFFSET);
            }
            case DATA_OFFSET -> {
                if (!accumulate(b, 4)) {
                    return null;
                }
                if (acc < HEADER_SIZE) {
                    return new FlvFormatException(fieldStart,
                            "FLV DataOffset " + acc + " is smaller than the " + HEADER_SIZE + "-byte header");
                }
                if (acc - HEADER_SIZE > maxTagDataSize) {
                    return new FlvFormatException(fieldStart, "FLV DataOffset " + acc
                            + " announces more extra header bytes than the maximum of " + maxTagDataSize);
                }
                dataOffset = acc;
                skipLeft = acc - HEADER_SIZE;
                if (skipLeft > 0) {
                    state = State.HEADER_EXTRA;
                } else {
                    beginField(State.PREVIOUS_TAG_SIZE_0);
                }
            }
            case PREVIOUS_TAG_SIZE_0 -> {
                if (!accumulate(b, 4)) {
                    return null;
                }
                if (acc != 0) {
                    return new FlvFormatException(fieldStart, "FLV PreviousTagSize0 is " + acc + ", not 0");
                }
                boundary();
            }
            case TAG_HEADER -> {
                return tagHeaderByte(b, at);
            }
            case PREVIOUS_TAG_SIZE -> {
                if (!accumulate(b, 4)) {
                    return null;
                }
                long want = (long) TAG_HEADER_SIZE + tagDataSize;
                if (acc != want) {
                    return new FlvFormatException(fieldStart, "FLV PreviousTagSize is " + acc + ", not " + want
                            + " (11 + DataSize " + tagDataSize + ") for the " + tagType + " tag at byte " + tagStart);
                }
                tags++;
                lastTagType = tagType;
                lastTimestamp = tagTimestamp;
                boundary();
            }
            default -> throw new IllegalStateException(state.name());
        }
        return null;
    }

    private FlvFormatException tagHeaderByte(int b, long at) {
        int k = fieldPos++;
        if (k == 0) {
            tagStart = at;
            if ((b & 0xC0) != 0) {
                return new FlvFormatException(at, String.format("FLV tag byte 0x%02X has reserved bits 6-7 set", b));
            }
            if ((b & 0x20) != 0) {
                return new FlvFormatException(at, "FLV tag of type " + (b & 0x1F)
                        + " has the filter bit set (encrypted or pre-processed), which is not supported");
            }
            tagType = TagType.of(b);
            if (tagType == null) {
                return new FlvFormatException(at, "FLV tag type " + b
                        + " is unknown (only 8 audio, 9 video, 18 script data)");
            }
            tagDataSize = 0;
            tagTimestamp = 0;
            acc = 0;
        } else if (k <= 3) {
            tagDataSize = (tagDataSize << 8) | b;
            if (k == 3 && tagDataSize > maxTagDataSize) {
                return new FlvFormatException(tagStart + 1, "FLV " + tagType + " tag DataSize " + tagDataSize
                        + " exceeds the maximum of " + maxTagDataSize);
            }
        } else if (k <= 6) {
            tagTimestamp = (tagTimestamp << 8) | b;
        } else if (k == 7) {
            tagTimestamp |= (long) b << 24; // TimestampExtended: the high 8 bits
        } else {
            acc = (acc << 8) | b;
            if (k == TAG_HEADER_SIZE - 1) {
                if (acc != 0) {
                    return new FlvFormatException(tagStart + 8, "FLV StreamID is " + acc + ", not 0");
                }
                if (tagDataSize > 0) {
                    state = State.TAG_DATA;
                    skipLeft = tagDataSize;
                } else {
                    beginField(State.PREVIOUS_TAG_SIZE);
                }
            }
        }
        return null;
    }

    private void beginField(State next) {
        if (next == State.PREVIOUS_TAG_SIZE_0) {
            headerComplete = true;
        }
        state = next;
        fieldPos = 0;
        acc = 0;
        fieldStart = position;
    }

    private boolean accumulate(int b, int length) {
        acc = (acc << 8) | b;
        return ++fieldPos == length;
    }

    private void boundary() {
        state = State.TAG_HEADER;
        fieldPos = 0;
        acc = 0;
        lastBoundary = position;
    }

    private static String describe(int b) {
        return b >= 0x20 && b < 0x7F
                ? String.format("byte 0x%02X ('%c')", b, (char) b)
                : String.format("byte 0x%02X", b);
    }
}
