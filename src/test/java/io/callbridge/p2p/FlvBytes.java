package io.callbridge.p2p;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds valid FLV byte streams for tests: a header, then tags of chosen types, sizes and
 * timestamps, each followed by its PreviousTagSize. Payloads are filler behind a plausible first
 * byte (AAC audio, AVC video): right for a container check, not decodable media.
 *
 * <pre>{@code
 * FlvBytes flv = FlvBytes.flv().onMetaData().video(900, 0).audio(200, 0).video(300, 40);
 * byte[] bytes = flv.build();
 * long third = flv.tagStart(2);
 * }</pre>
 */
public final class FlvBytes {

    public static final int AUDIO = 8;
    public static final int VIDEO = 9;
    public static final int SCRIPT_DATA = 18;

    private record Tag(int typeByte, byte[] data, long timestamp) {
    }

    private int flags = 0x05;
    private int extraHeaderBytes;
    private final List<Tag> tags = new ArrayList<>();

    private FlvBytes() {
    }

    /** A stream announcing audio and video, DataOffset 9, no tags yet. */
    public static FlvBytes flv() {
        return new FlvBytes();
    }

    /** {@code pairs} video+audio tags, one pair every {@code frameMs}, the first video a keyframe. */
    public static byte[] avStream(int pairs, int videoSize, int audioSize, int frameMs) {
        FlvBytes flv = flv().onMetaData();
        for (int i = 0; i < pairs; i++) {
            flv.video(videoSize, (long) i * frameMs).audio(audioSize, (long) i * frameMs);
        }
        return flv.build();
    }

    /** The header flags byte as written (not checked here, so tests can write bad ones). */
    public FlvBytes flags(int flags) {
        this.flags = flags;
        return this;
    }

    /** Makes DataOffset 9 + n, with n filler bytes after the 9-byte header. */
    public FlvBytes extraHeaderBytes(int n) {
        this.extraHeaderBytes = n;
        return this;
    }

    public FlvBytes audio(int size, long timestampMs) {
        return tag(AUDIO, filler(size, 0xAF, tags.size()), timestampMs);
    }

    /** The first video tag is a keyframe (0x17), later ones inter frames (0x27). */
    public FlvBytes video(int size, long timestampMs) {
        boolean first = tags.stream().noneMatch(t -> t.typeByte() == VIDEO);
        return tag(VIDEO, filler(size, first ? 0x17 : 0x27, tags.size()), timestampMs);
    }

    public FlvBytes script(int size, long timestampMs) {
        return tag(SCRIPT_DATA, filler(size, 0x02, tags.size()), timestampMs);
    }

    /** An AMF0 "onMetaData" script tag with an empty ECMA array, as encoders send first. */
    public FlvBytes onMetaData() {
        ByteArrayOutputStream amf = new ByteArrayOutputStream();
        byte[] name = "onMetaData".getBytes(StandardCharsets.US_ASCII);
        amf.write(0x02); // AMF0 string
        amf.write(0);
        amf.write(name.length);
        amf.writeBytes(name);
        amf.writeBytes(new byte[] {0x08, 0, 0, 0, 0}); // ECMA array, 0 entries
        amf.writeBytes(new byte[] {0, 0, 0x09}); // object end
        return tag(SCRIPT_DATA, amf.toByteArray(), 0);
    }

    /** Any tag, with the first tag byte as given (type, filter and reserved bits). */
    public FlvBytes tag(int typeByte, int size, long timestampMs) {
        return tag(typeByte, filler(size, 0, tags.size()), timestampMs);
    }

    public FlvBytes tag(int typeByte, byte[] data, long timestampMs) {
        tags.add(new Tag(typeByte, data.clone(), timestampMs));
        return this;
    }

    public int tagCount() {
        return tags.size();
    }

    /** DataOffset: where PreviousTagSize0 starts. */
    public int headerLength() {
        return FlvChecker.HEADER_SIZE + extraHeaderBytes;
    }

    /** Stream offset of tag i's first byte (its TagType). */
    public long tagStart(int i) {
        long at = headerLength() + 4L;
        for (int k = 0; k < i; k++) {
            at += FlvChecker.TAG_HEADER_SIZE + tags.get(k).data().length + 4L;
        }
        return at;
    }

    /** Stream offset of tag i's trailing PreviousTagSize. */
    public long previousTagSizeAt(int i) {
        return tagStart(i) + FlvChecker.TAG_HEADER_SIZE + tags.get(i).data().length;
    }

    /** The clean cut points: just after PreviousTagSize0 and after each tag's PreviousTagSize. */
    public List<Long> boundaries() {
        List<Long> cuts = new ArrayList<>();
        for (int i = 0; i <= tags.size(); i++) {
            cuts.add(tagStart(i));
        }
        return cuts;
    }

    public byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {'F', 'L', 'V', 1, (byte) flags});
        writeUint(out, headerLength(), 4);
        for (int i = 0; i < extraHeaderBytes; i++) {
            out.write(0xEE);
        }
        writeUint(out, 0, 4); // PreviousTagSize0
        for (Tag tag : tags) {
            out.write(tag.typeByte());
            writeUint(out, tag.data().length, 3);
            writeUint(out, tag.timestamp() & 0xFFFFFF, 3);
            out.write((int) (tag.timestamp() >>> 24) & 0xFF); // TimestampExtended
            writeUint(out, 0, 3); // StreamID
            out.writeBytes(tag.data());
            writeUint(out, FlvChecker.TAG_HEADER_SIZE + tag.data().length, 4);
        }
        return out.toByteArray();
    }

    /** Overwrites a big-endian unsigned field in built bytes, to make a stream invalid on purpose. */
    public static void putUint(byte[] bytes, long at, long value, int length) {
        for (int k = 0; k < length; k++) {
            bytes[(int) at + k] = (byte) (value >>> (8 * (length - 1 - k)));
        }
    }

    private static void writeUint(ByteArrayOutputStream out, long value, int length) {
        for (int k = length - 1; k >= 0; k--) {
            out.write((int) (value >>> (8 * k)) & 0xFF);
        }
    }

    private static byte[] filler(int size, int firstByte, int salt) {
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31 + salt * 7);
        }
        if (size > 0) {
            data[0] = (byte) firstByte;
        }
        return data;
    }
}
