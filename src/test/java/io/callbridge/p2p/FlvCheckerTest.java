package io.callbridge.p2p;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.callbridge.p2p.FlvChecker.Result;
import io.callbridge.p2p.FlvChecker.TagType;

class FlvCheckerTest {

    static final int SEEDS = 60;

    // ---- chunking: the same bytes cut in many ways, through all three feed methods ----

    /** How a stream is cut and which feed method carries it; seeds pick lengths and method. */
    record Chunking(String name, long seed) {

        static final long WHOLE = -1;
        static final long BYTES = -2;

        int[] lengths(int total) {
            if (seed == WHOLE) {
                return new int[] {total};
            }
            if (seed == BYTES) {
                int[] ones = new int[total];
                Arrays.fill(ones, 1);
                return ones;
            }
            Random random = new Random(seed);
            List<Integer> cuts = new ArrayList<>();
            int left = total;
            while (left > 0) {
                // Mostly tiny pieces so that every field gets split, some empty, some large.
                int n = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1, 2 -> 1 + random.nextInt(7);
                    default -> 1 + random.nextInt(3000);
                };
                n = Math.min(n, left);
                cuts.add(n);
                left -= n;
            }
            return cuts.stream().mapToInt(Integer::intValue).toArray();
        }

        /** 0: array slice, 1: heap ByteBuffer with a non-zero array offset, 2: direct ByteBuffer. */
        int method() {
            return seed < 0 ? 0 : (int) (seed % 3);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Chunking> chunkings() {
        List<Chunking> all = new ArrayList<>();
        all.add(new Chunking("whole", Chunking.WHOLE));
        all.add(new Chunking("byte by byte", Chunking.BYTES));
        for (long seed = 0; seed < SEEDS; seed++) {
            all.add(new Chunking("random seed " + seed, seed));
        }
        return all;
    }

    /** What one chunk's feed returned, and where the stream stood after it. */
    record Fed(long end, Result result, boolean atBoundary, long tagCount) {
    }

    static List<Fed> feed(FlvChecker checker, byte[] bytes, Chunking chunking) {
        List<Fed> log = new ArrayList<>();
        int at = 0;
        for (int n : chunking.lengths(bytes.length)) {
            Result result = switch (chunking.method()) {
                case 0 -> checker.feed(bytes, at, n);
                case 1 -> {
                    byte[] padded = new byte[n + 10];
                    System.arraycopy(bytes, at, padded, 5, n);
                    ByteBuffer slice = ByteBuffer.wrap(padded, 3, n + 4).slice().position(2).limit(n + 2);
                    Result r = checker.feed(slice);
                    assertEquals(2, slice.position(), "feed must not move the buffer");
                    yield r;
                }
                default -> {
                    ByteBuffer direct = ByteBuffer.allocateDirect(n);
                    direct.put(bytes, at, n).flip();
                    Result r = checker.feed(direct);
                    assertEquals(0, direct.position(), "feed must not move the buffer");
                    assertEquals(n, direct.limit());
                    yield r;
                }
            };
            at += n;
            log.add(new Fed(at, result, checker.atTagBoundary(), checker.tagCount()));
        }
        return log;
    }

    static byte[] validStream() {
        FlvBytes flv = validBuilder();
        return flv.build();
    }

    static FlvBytes validBuilder() {
        FlvBytes flv = FlvBytes.flv().onMetaData();
        Random random = new Random(42);
        for (int i = 0; i < 40; i++) {
            flv.video(1 + random.nextInt(5000), i * 40L).audio(1 + random.nextInt(400), i * 40L + 3);
        }
        // An empty tag, then one whose timestamp needs the extended byte.
        return flv.video(0, 1600).audio(17, 0x01_23_45_67L);
    }

    // ---- valid streams ----

    @Test
    void validStream_sameTagsAndTimestampWhateverTheChunking() {
        FlvBytes builder = validBuilder();
        byte[] bytes = builder.build();
        Set<Long> boundaries = new HashSet<>(builder.boundaries());
        for (Chunking chunking : chunkings()) {
            FlvChecker checker = new FlvChecker();
            for (Fed fed : feed(checker, bytes, chunking)) {
                assertSame(Result.OK, fed.result(), chunking + " at " + fed.end());
                assertEquals(boundaries.contains(fed.end()), fed.atBoundary(), chunking + " at " + fed.end());
                long completed = boundaries.stream().filter(b -> b <= fed.end()).count() - 1;
                assertEquals(Math.max(completed, 0), fed.tagCount(), chunking + " at " + fed.end());
            }
            assertFalse(checker.failed(), chunking.name());
            assertNull(checker.failure());
            assertEquals(builder.tagCount(), checker.tagCount(), chunking.name());
            assertEquals(83, checker.tagCount());
            assertEquals(0x01_23_45_67L, checker.lastTimestamp(), chunking.name());
            assertEquals(TagType.AUDIO, checker.lastTagType(), chunking.name());
            assertEquals(bytes.length, checker.bytesSeen(), chunking.name());
            assertEquals(bytes.length, checker.lastBoundaryOffset(), chunking.name());
            assertTrue(checker.atTagBoundary(), chunking.name());
            assertTrue(checker.headerComplete());
            assertEquals(9, checker.dataOffset());
            assertTrue(checker.hasAudioFlag());
            assertTrue(checker.hasVideoFlag());
        }
    }

    @Test
    void byteByByte_boundaryCountAndLastTagFollowTheStream() {
        FlvBytes builder = FlvBytes.flv().onMetaData().video(30, 0).audio(0, 5).video(8, 40);
        byte[] bytes = builder.build();
        List<Long> boundaries = builder.boundaries();
        FlvChecker checker = new FlvChecker();
        assertFalse(checker.atTagBoundary(), "nothing fed is no place to cut");
        assertEquals(-1, checker.lastTimestamp());
        assertNull(checker.lastTagType());
        assertEquals(-1, checker.lastBoundaryOffset());
        TagType[] types = {TagType.SCRIPT_DATA, TagType.VIDEO, TagType.AUDIO, TagType.VIDEO};
        long[] timestamps = {0, 0, 5, 40};
        for (int i = 0; i < bytes.length; i++) {
            assertSame(Result.OK, checker.feed(bytes, i, 1));
            long seen = i + 1;
            int completed = (int) boundaries.stream().filter(b -> b <= seen).count() - 1;
            assertEquals(boundaries.contains(seen), checker.atTagBoundary(), "after " + seen);
            assertEquals(Math.max(completed, 0), checker.tagCount(), "after " + seen);
            assertEquals(seen >= 9, checker.headerComplete(), "after " + seen);
            if (completed > 0) {
                assertEquals(types[completed - 1], checker.lastTagType(), "after " + seen);
                assertEquals(timestamps[completed - 1], checker.lastTimestamp(), "after " + seen);
                assertEquals(boundaries.get(completed), checker.lastBoundaryOffset());
            }
        }
        assertEquals(4, checker.tagCount());
    }

    @Test
    void headerOnly_isACleanCutAfterPreviousTagSize0() {
        byte[] bytes = FlvBytes.flv().build();
        assertEquals(13, bytes.length);
        FlvChecker checker = new FlvChecker();
        checker.feed(Arrays.copyOf(bytes, 12));
        assertTrue(checker.headerComplete());
        assertFalse(checker.atTagBoundary());
        assertSame(Result.OK, checker.feed(bytes, 12, 1));
        assertTrue(checker.atTagBoundary());
        assertEquals(0, checker.tagCount());
        assertEquals(13, checker.lastBoundaryOffset());
    }

    @Test
    void truncatedInsideATag_isNeitherFailedNorABoundary() {
        FlvBytes builder = FlvBytes.flv().video(100, 0).audio(50, 20);
        byte[] bytes = builder.build();
        for (long cut = builder.tagStart(1) + 1; cut < bytes.length; cut += 7) {
            FlvChecker checker = new FlvChecker();
            assertSame(Result.OK, checker.feed(bytes, 0, (int) cut));
            assertFalse(checker.atTagBoundary(), "cut at " + cut);
            assertEquals(1, checker.tagCount(), "cut at " + cut);
            assertEquals(TagType.VIDEO, checker.lastTagType());
            assertEquals(cut, checker.bytesSeen());
            assertEquals(builder.tagStart(1), checker.lastBoundaryOffset());
        }
    }

    @Test
    void extendedTimestamps_useTheExtendedByteAsTheHigh8Bits() {
        long[] timestamps = {0xFF_FFFFL, 0x100_0000L, 0x7FFF_FFFFL, 0x8000_0000L, 0xAB12_3456L, 0xFFFF_FFFFL};
        FlvBytes builder = FlvBytes.flv();
        for (long ts : timestamps) {
            builder.audio(10, ts);
        }
        byte[] bytes = builder.build();
        assertEquals((byte) 0xAB, bytes[(int) builder.tagStart(4) + 7], "TimestampExtended byte");
        assertEquals(0x12, bytes[(int) builder.tagStart(4) + 4], "Timestamp high byte");
        for (Chunking chunking : List.of(new Chunking("whole", Chunking.WHOLE), new Chunking("seed 3", 3))) {
            FlvChecker checker = new FlvChecker();
            feed(checker, bytes, chunking);
            assertEquals(0xFFFF_FFFFL, checker.lastTimestamp(), chunking.name());
        }
        // Tag by tag: each tag's own timestamp, not just the last.
        List<Long> cuts = builder.boundaries();
        FlvChecker checker = new FlvChecker();
        checker.feed(bytes, 0, cuts.get(0).intValue());
        for (int i = 0; i < timestamps.length; i++) {
            int from = cuts.get(i).intValue();
            assertSame(Result.OK, checker.feed(bytes, from, cuts.get(i + 1).intValue() - from));
            assertEquals(timestamps[i], checker.lastTimestamp(), "tag " + i);
        }
    }

    @Test
    void dataOffsetAbove9_extraHeaderBytesAreSkipped() {
        FlvBytes builder = FlvBytes.flv().extraHeaderBytes(7).video(20, 0).audio(5, 21);
        byte[] bytes = builder.build();
        assertEquals(16, builder.headerLength());
        assertEquals(List.of(20L, builder.tagStart(1), (long) bytes.length), builder.boundaries());
        for (Chunking chunking : chunkings()) {
            FlvChecker checker = new FlvChecker();
            for (Fed fed : feed(checker, bytes, chunking)) {
                assertSame(Result.OK, fed.result(), chunking.name());
                assertEquals(builder.boundaries().contains(fed.end()), fed.atBoundary(), chunking + " at " + fed.end());
            }
            assertEquals(16, checker.dataOffset());
            assertEquals(2, checker.tagCount(), chunking.name());
            assertEquals(21, checker.lastTimestamp());
        }
        FlvChecker checker = new FlvChecker();
        checker.feed(bytes, 0, 15);
        assertFalse(checker.headerComplete(), "15 of the 16 header bytes");
        checker.feed(bytes, 15, 1);
        assertTrue(checker.headerComplete());
    }

    @Test
    void dataOffsetExtraBytes_upToTheMaximumAreAccepted() {
        byte[] bytes = FlvBytes.flv().extraHeaderBytes(100).audio(100, 1).build();
        FlvChecker checker = new FlvChecker(100);
        assertSame(Result.OK, checker.feed(bytes));
        assertEquals(1, checker.tagCount());
        assertFalse(new FlvChecker(99).feed(bytes).ok());
    }

    @Test
    void tagOfExactlyTheMaximumSize_isAccepted() {
        byte[] bytes = FlvBytes.flv().video(1000, 0).audio(0, 1).build();
        FlvChecker checker = new FlvChecker(1000);
        assertSame(Result.OK, checker.feed(bytes));
        assertEquals(2, checker.tagCount());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x04, 0x05})
    void headerFlags_areReported(int flags) {
        FlvChecker checker = new FlvChecker();
        assertFalse(checker.hasAudioFlag());
        assertFalse(checker.hasVideoFlag());
        assertSame(Result.OK, checker.feed(FlvBytes.flv().flags(flags).video(3, 0).build()));
        assertEquals((flags & 4) != 0, checker.hasAudioFlag());
        assertEquals((flags & 1) != 0, checker.hasVideoFlag());
    }

    @Test
    void avStream_isValidFlv() {
        byte[] bytes = FlvBytes.avStream(25, 2000, 300, 40);
        FlvChecker checker = new FlvChecker();
        assertSame(Result.OK, checker.feed(ByteBuffer.wrap(bytes).asReadOnlyBuffer()));
        assertEquals(51, checker.tagCount());
        assertEquals(24 * 40, checker.lastTimestamp());
        assertTrue(checker.atTagBoundary());
        assertTrue(FlvChecker.looksLikeFlv(bytes));
    }

    // ---- violations ----

    record Violation(String name, byte[] bytes, long offset, String problem, int maxTagDataSize) {

        Violation(String name, byte[] bytes, long offset, String problem) {
            this(name, bytes, offset, problem, FlvChecker.DEFAULT_MAX_TAG_DATA_SIZE);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static FlvBytes threeTags() {
        return FlvBytes.flv().onMetaData().video(300, 0).audio(40, 10);
    }

    static byte[] patched(FlvBytes builder, long at, long value, int length) {
        byte[] bytes = builder.build();
        FlvBytes.putUint(bytes, at, value, length);
        return bytes;
    }

    static Stream<Violation> violations() {
        FlvBytes t = threeTags();
        FlvBytes extra = FlvBytes.flv().extraHeaderBytes(3).audio(10, 0);
        FlvBytes big = FlvBytes.flv().audio(10, 0).video(1001, 40).audio(10, 80);
        byte[] hugeTag = Arrays.copyOf(patched(FlvBytes.flv().video(0, 0), 14, 0xFF_FFFF, 3), 13 + 11);
        return Stream.of(
                new Violation("signature FLX", patched(t, 2, 'X', 1), 2, "'V' of the \"FLV\" signature"),
                new Violation("signature flv", patched(t, 0, 'f', 1), 0, "byte 0x66 ('f')"),
                new Violation("version 2", patched(t, 3, 2, 1), 3, "FLV version 2 is not supported"),
                new Violation("version 0", patched(t, 3, 0, 1), 3, "FLV version 0"),
                new Violation("reserved flag bit 0x08", patched(t, 4, 0x0D, 1), 4, "flags 0x0D have reserved bits"),
                new Violation("reserved flag bit 0x80", patched(t, 4, 0x80, 1), 4, "flags 0x80 have reserved bits"),
                new Violation("DataOffset 8", patched(t, 5, 8, 4), 5, "DataOffset 8 is smaller than the 9-byte header"),
                new Violation("DataOffset 0", patched(t, 5, 0, 4), 5, "DataOffset 0 is smaller"),
                new Violation("DataOffset 2^32-1", patched(t, 5, 0xFFFF_FFFFL, 4), 5,
                        "DataOffset 4294967295 announces more extra header bytes than the maximum"),
                new Violation("PreviousTagSize0 1", patched(t, 9, 1, 4), 9, "PreviousTagSize0 is 1, not 0"),
                new Violation("PreviousTagSize0 high byte", patched(t, 9, 0x0100_0000L, 4), 9,
                        "PreviousTagSize0 is 16777216"),
                new Violation("PreviousTagSize0 after extra header bytes", patched(extra, 12, 5, 4), 12,
                        "PreviousTagSize0 is 5"),
                new Violation("tag type 7", patched(t, t.tagStart(2), 7, 1), t.tagStart(2),
                        "FLV tag type 7 is unknown"),
                new Violation("tag type 0 first", patched(t, t.tagStart(0), 0, 1), t.tagStart(0), "tag type 0 is unknown"),
                new Violation("tag type 31", patched(t, t.tagStart(1), 31, 1), t.tagStart(1), "tag type 31 is unknown"),
                new Violation("filter bit on video", patched(t, t.tagStart(1), 0x29, 1), t.tagStart(1),
                        "tag of type 9 has the filter bit set"),
                new Violation("reserved tag bit 6", patched(t, t.tagStart(1), 0x48, 1), t.tagStart(1),
                        "tag byte 0x48 has reserved bits 6-7 set"),
                new Violation("reserved tag bit 7", patched(t, t.tagStart(2), 0x88, 1), t.tagStart(2),
                        "tag byte 0x88 has reserved bits"),
                new Violation("StreamID 1", patched(t, t.tagStart(1) + 8, 1, 3), t.tagStart(1) + 8, "StreamID is 1, not 0"),
                new Violation("StreamID high byte", patched(t, t.tagStart(0) + 8, 0x80_0000, 3), t.tagStart(0) + 8,
                        "StreamID is 8388608"),
                new Violation("PreviousTagSize without the 11", patched(t, t.previousTagSizeAt(1), 300, 4),
                        t.previousTagSizeAt(1), "PreviousTagSize is 300, not 311 (11 + DataSize 300) for the VIDEO tag at byte "
                                + t.tagStart(1)),
                new Violation("last PreviousTagSize one too many", patched(t, t.previousTagSizeAt(2), 52, 4),
                        t.previousTagSizeAt(2), "PreviousTagSize is 52, not 51"),
                new Violation("DataSize lying short", patched(t, t.tagStart(1) + 1, 200, 3), t.tagStart(1) + 11 + 200,
                        "not 211 (11 + DataSize 200)"),
                new Violation("DataSize over a set maximum", big.build(), big.tagStart(1) + 1,
                        "VIDEO tag DataSize 1001 exceeds the maximum of 1000", 1000),
                new Violation("DataSize 16 MiB over the default maximum, data never sent", hugeTag, 14,
                        "DataSize 16777215 exceeds the maximum of 4194304"),
                new Violation("JSON text", "{\"method\":\"voice\",\"params\":{}}".getBytes(StandardCharsets.UTF_8), 0,
                        "not FLV: byte 0x7B ('{')"),
                new Violation("MP4 ftyp", mp4Start(), 0, "not FLV: byte 0x00 where 'F'"),
                new Violation("HTTP response", "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0,
                        "byte 0x48 ('H')"));
    }

    static byte[] mp4Start() {
        return new byte[] {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0, 'i', 's', 'o', 'm'};
    }

    @ParameterizedTest
    @MethodSource("violations")
    void violation_isDetectedAtTheSameOffsetWhateverTheChunking(Violation v) {
        FlvChecker prefix = new FlvChecker(v.maxTagDataSize());
        assertSame(Result.OK, prefix.feed(v.bytes(), 0, (int) v.offset()), "the bytes before the offending field pass");

        FlvChecker reference = new FlvChecker(v.maxTagDataSize());
        Result whole = reference.feed(v.bytes());
        long detectedAfter = reference.bytesSeen();
        assertFalse(whole.ok());
        assertNotNull(whole.error());
        assertEquals(v.offset(), whole.error().offset());
        assertTrue(whole.reason().contains(v.problem()), whole.reason());
        assertTrue(whole.reason().endsWith(" at byte " + v.offset()), whole.reason());
        assertTrue(detectedAfter > v.offset() && detectedAfter <= v.bytes().length);

        for (Chunking chunking : chunkings()) {
            FlvChecker checker = new FlvChecker(v.maxTagDataSize());
            Result failed = null;
            for (Fed fed : feed(checker, v.bytes(), chunking)) {
                if (failed == null && !fed.result().ok()) {
                    failed = fed.result();
                    assertTrue(fed.end() >= detectedAfter, chunking.name());
                } else if (failed != null) {
                    assertSame(failed, fed.result(), "failed stays failed, " + chunking);
                } else {
                    assertSame(Result.OK, fed.result(), chunking.name());
                }
                if (failed != null) {
                    assertFalse(fed.atBoundary(), chunking.name());
                }
            }
            assertNotNull(failed, chunking.name());
            assertTrue(checker.failed());
            assertSame(failed.error(), checker.failure());
            assertEquals(v.offset(), failed.error().offset(), chunking.name());
            assertEquals(whole.reason(), failed.reason(), chunking.name());
            assertEquals(detectedAfter, checker.bytesSeen(), chunking.name());
        }
    }

    @Test
    void afterFailure_validBytesKeepFailing() {
        FlvBytes builder = threeTags();
        byte[] bad = patched(builder, builder.tagStart(1) + 8, 1, 3);
        FlvChecker checker = new FlvChecker();
        Result failed = checker.feed(bad);
        long tags = checker.tagCount();
        long seen = checker.bytesSeen();
        assertEquals(1, tags);
        byte[] good = builder.build();
        Result again = checker.feed(good, (int) builder.tagStart(2), good.length - (int) builder.tagStart(2));
        assertSame(failed, again);
        assertSame(failed, checker.feed(ByteBuffer.allocateDirect(3)));
        assertSame(failed, checker.feed(new byte[0]));
        assertEquals(tags, checker.tagCount());
        assertEquals(seen, checker.bytesSeen());
        assertFalse(checker.atTagBoundary());
        FlvFormatException thrown = assertThrows(FlvFormatException.class, again::throwIfFailed);
        assertEquals(builder.tagStart(1) + 8, thrown.offset());
    }

    @Test
    void healthyFeeds_shareOneOkResult() {
        FlvChecker checker = new FlvChecker();
        Result first = checker.feed(FlvBytes.flv().build());
        assertSame(Result.OK, first);
        assertTrue(first.ok());
        assertNull(first.reason());
        first.throwIfFailed();
        assertSame(first, checker.feed(new byte[0]));
    }

    // ---- non-FLV bytes: rejected early ----

    @Test
    void randomBytes_areRejectedWithinTheHeader() {
        for (long seed = 0; seed < 200; seed++) {
            byte[] noise = new byte[4096];
            new Random(seed).nextBytes(noise);
            FlvChecker checker = new FlvChecker();
            Result result = checker.feed(noise);
            assertFalse(result.ok(), "seed " + seed);
            assertTrue(result.error().offset() < FlvChecker.HEADER_SIZE, "seed " + seed + ": " + result.reason());
            assertTrue(checker.bytesSeen() <= FlvChecker.HEADER_SIZE, "stopped reading at the violation");
            assertFalse(FlvChecker.looksLikeFlv(noise), "seed " + seed);
        }
    }

    @Test
    void noiseAfterAValidHeader_isRejectedAtTheFirstTag() {
        // A valid FLV start does not make garbage behind it pass for long.
        int rejectedAtFirstTagHeader = 0;
        for (long seed = 0; seed < 200; seed++) {
            byte[] noise = new byte[8192];
            new Random(seed).nextBytes(noise);
            System.arraycopy(FlvBytes.flv().build(), 0, noise, 0, 13);
            FlvChecker checker = new FlvChecker();
            Result result = checker.feed(noise);
            assertFalse(result.ok(), "seed " + seed);
            assertTrue(result.error().offset() >= 13, result.reason());
            if (checker.bytesSeen() <= 13 + FlvChecker.TAG_HEADER_SIZE) {
                rejectedAtFirstTagHeader++;
            }
        }
        assertTrue(rejectedAtFirstTagHeader >= 190, "rejected within the first tag header: " + rejectedAtFirstTagHeader);
    }

    @Test
    void looksLikeFlv_acceptsFlvStarts() {
        byte[] flv = FlvBytes.avStream(2, 50, 10, 40);
        assertTrue(FlvChecker.looksLikeFlv(flv));
        assertTrue(FlvChecker.looksLikeFlv(Arrays.copyOf(flv, 3)));
        assertTrue(FlvChecker.looksLikeFlv(Arrays.copyOf(flv, 9)));
        assertTrue(FlvChecker.looksLikeFlv(Arrays.copyOf(flv, 13)));
        assertTrue(FlvChecker.looksLikeFlv(FlvBytes.flv().extraHeaderBytes(2).flags(0).build()));
    }

    @Test
    void looksLikeFlv_rejectsOthers() {
        byte[] flv = FlvBytes.avStream(2, 50, 10, 40);
        assertFalse(FlvChecker.looksLikeFlv(null));
        assertFalse(FlvChecker.looksLikeFlv(new byte[0]));
        assertFalse(FlvChecker.looksLikeFlv(Arrays.copyOf(flv, 2)), "too short to tell");
        assertFalse(FlvChecker.looksLikeFlv("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        assertFalse(FlvChecker.looksLikeFlv(mp4Start()));
        IntPredicate badAt = at -> {
            byte[] copy = flv.clone();
            copy[at] ^= (byte) (at < 3 ? 0x20 : at < 5 ? 0x02 : 0x01); // DataOffset 9 ^ 2 = 11 would be valid
            return !FlvChecker.looksLikeFlv(copy);
        };
        // Signature, version, flags, DataOffset low byte, PreviousTagSize0: each one spoils it.
        for (int at : new int[] {0, 1, 2, 3, 4, 5, 8, 9, 12}) {
            assertTrue(badAt.test(at), "byte " + at);
        }
    }

    // ---- argument checks ----

    @Test
    void arguments_areChecked() {
        assertThrows(IllegalArgumentException.class, () -> new FlvChecker(0));
        assertThrows(IllegalArgumentException.class, () -> new FlvChecker(-1));
        FlvChecker checker = new FlvChecker();
        assertThrows(IndexOutOfBoundsException.class, () -> checker.feed(new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> checker.feed(new byte[4], -1, 1));
        assertEquals(0, checker.bytesSeen());
        assertEquals(FlvChecker.DEFAULT_MAX_TAG_DATA_SIZE, 4 * 1024 * 1024);
    }
}
