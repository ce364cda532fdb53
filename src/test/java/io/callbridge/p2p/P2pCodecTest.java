package io.callbridge.p2p;

import static io.callbridge.p2p.PropertyCases.forAll;
import static io.callbridge.p2p.PropertyCases.pick;
import static io.callbridge.p2p.PropertyCases.show;
import static io.callbridge.p2p.PropertyCases.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.callbridge.p2p.P2pCommand.Action;

class P2pCodecTest {

    private static final String SEED_COMMAND = "action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=standard";

    // ---- the protocol's examples ----

    @Test
    void seedCommand_parsesToGetDeviceState_andFormatsBackToTheSameText() {
        P2pCommand c = P2pCodec.parse(SEED_COMMAND);
        assertEquals(Action.INNER_DEFINE, c.action());
        assertEquals(0, c.channel());
        assertEquals("get_device_st", c.cmd());
        assertEquals(List.of("type", "quality"), new ArrayList<>(c.params().keySet()));
        assertEquals("voice", c.param("type"));
        assertEquals("standard", c.param("quality"));
        assertEquals(P2pCommand.getDeviceState(0, "voice", "standard"), c);
        assertEquals(SEED_COMMAND, P2pCodec.format(c));
        assertEquals(SEED_COMMAND, P2pCodec.format(P2pCommand.getDeviceState(0, "voice", "standard")));
    }

    @Test
    void nvrSubChannel_isKept() {
        P2pCommand c = P2pCodec.parse("action=inner_define&channel=3&cmd=get_device_st&type=live&quality=high");
        assertEquals(3, c.channel());
        assertEquals(P2pCommand.getDeviceState(3, "live", "high"), c);
        assertEquals(65535, P2pCodec.parse("action=user_define&channel=65535&cmd=x").channel());
    }

    @Test
    void userDefine_takesAnyCmdAndParams_inOrder_andEmptyValues() {
        String text = "action=user_define&channel=2&cmd=open_door&door=front&pin=&who=名字 😀&pct=%41";
        P2pCommand c = P2pCodec.parse(text);
        assertEquals(Action.USER_DEFINE, c.action());
        assertEquals(2, c.channel());
        assertEquals("open_door", c.cmd());
        assertEquals(List.of("door", "pin", "who", "pct"), new ArrayList<>(c.params().keySet()));
        assertEquals("", c.param("pin"));
        assertEquals("名字 😀", c.param("who"));
        assertEquals(text, P2pCodec.format(c));

        P2pCommand bare = P2pCodec.parse("action=user_define&channel=0&cmd=ping");
        assertEquals(Map.of(), bare.params());
        assertEquals(P2pCommand.userDefine(0, "ping", Map.of()), bare);
    }

    @Test
    void noUrlDecoding_percentEscapesStayAsTheyAre() {
        P2pCommand c = P2pCodec.parse("action=user_define&channel=0&cmd=a%2Fb&k%3D=%26%2B");
        assertEquals("a%2Fb", c.cmd());
        assertEquals("%26%2B", c.param("k%3D"));
        // %76 would decode to 'v': an inner_define value is checked as it is written.
        P2pFormatException e = assertThrows(P2pFormatException.class,
                () -> P2pCodec.parse("action=inner_define&channel=0&cmd=get_device_st&type=%76oice&quality=standard"));
        assertTrue(e.getMessage().contains("type"), e.getMessage());
    }

    @Test
    void pairsInAnyOrder_parseToTheSameCommand_andFormatPutsActionChannelCmdFirst() {
        P2pCommand c = P2pCodec.parse("quality=standard&cmd=get_device_st&type=voice&channel=0&action=inner_define");
        assertEquals(P2pCommand.getDeviceState(0, "voice", "standard"), c);
        assertEquals("action=inner_define&channel=0&cmd=get_device_st&quality=standard&type=voice",
                P2pCodec.format(c));
    }

    @Test
    void otherInnerDefineCommands_andTheirFactories() {
        assertEquals(P2pCommand.getRecordIndex(0, 1700000000L, 1700003600L),
                P2pCodec.parse("action=inner_define&channel=0&cmd=get_record_index&start_time=1700000000&end_time=1700003600"));
        assertEquals(P2pCommand.getRecordIndex(1, 5, 5),
                P2pCodec.parse("action=inner_define&channel=1&cmd=get_record_index&start_time=5&end_time=5"));
        assertEquals("action=inner_define&channel=0&cmd=playback_pause", P2pCodec.format(P2pCommand.playbackPause(0)));
        assertEquals("action=inner_define&channel=4&cmd=playback_resume", P2pCodec.format(P2pCommand.playbackResume(4)));
        assertEquals("action=inner_define&channel=0&cmd=playback_seek&time=1700000123",
                P2pCodec.format(P2pCommand.playbackSeek(0, 1700000123L)));
        assertEquals(P2pCommand.playbackSeek(0, 0), P2pCodec.parse("action=inner_define&channel=0&cmd=playback_seek&time=0"));
    }

    @Test
    void params_areUnmodifiable_andCopiedFromTheCallersMap() {
        Map<String, String> mine = new LinkedHashMap<>();
        mine.put("b", "1");
        mine.put("a", "2");
        P2pCommand c = P2pCommand.userDefine(0, "x", mine);
        mine.put("c", "3");
        assertEquals(List.of("b", "a"), new ArrayList<>(c.params().keySet()));
        assertThrows(UnsupportedOperationException.class, () -> c.params().put("d", "4"));
        assertThrows(UnsupportedOperationException.class,
                () -> P2pCodec.parse(SEED_COMMAND).params().remove("type"));
    }

    // ---- refusals ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        // text | a word the message must contain
        "channel=0&cmd=x | action is missing",
        "action=INNER_DEFINE&channel=0&cmd=x | neither inner_define nor user_define",
        "action=define&channel=0&cmd=x | neither inner_define nor user_define",
        "action=&channel=0&cmd=x | neither inner_define nor user_define",
        "action=user_define&cmd=x | channel is missing",
        "action=user_define&channel=&cmd=x | channel",
        "action=user_define&channel=-1&cmd=x | channel '-1'",
        "action=user_define&channel=+1&cmd=x | '+'",
        "action=user_define&channel=1.0&cmd=x | channel '1.0'",
        "action=user_define&channel=0x1&cmd=x | channel '0x1'",
        "action=user_define&channel=65536&cmd=x | channel '65536'",
        "action=user_define&channel=99999999999999999999999&cmd=x | channel '99999999999999999999999'",
        "action=user_define&channel=007&cmd=x | leading zero",
        "action=user_define&channel= 1&cmd=x | channel ' 1'",
        "action=user_define&channel=１&cmd=x | channel '１'",
        "action=user_define&channel=0 | cmd is missing",
        "action=user_define&channel=0&cmd= | cmd is missing or empty",
        "action=user_define&channel=0&cmd=x&flag | has no '='",
        "action=user_define&channel=0&cmd=x& | pair 4 is empty",
        "&action=user_define&channel=0&cmd=x | pair 1 is empty",
        "action=user_define&&channel=0&cmd=x | pair 2 is empty",
        "action=user_define&channel=0&cmd=x&=v | key is empty",
        "action=user_define&channel=0&cmd=x&a=1&a=2 | 'a' appears twice",
        "action=user_define&channel=0&cmd=x&action=user_define | 'action' appears twice",
        "action=user_define&channel=0&channel=1&cmd=x | 'channel' appears twice",
        "action=user_define&channel=0&cmd=x&_sys=1 | starts with '_'",
        "action=user_define&channel=0&cmd=x&a=b=c | contains '='",
        "action=user_define&channel=0&cmd=x&a/b=1 | contains '/'",
        "action=user_define&channel=0&cmd=x&a=1/2 | contains '/'",
        "action=user_define&channel=0&cmd=x&a+b=1 | contains '+'",
        "action=user_define&channel=0&cmd=x&a=1+1 | contains '+'",
        "action=user_define&channel=0&cmd=x/y | contains '/'",
        "action=user_define&channel=0&cmd=x+y | contains '+'",
        "action=inner_define&channel=0&cmd=reboot | get_device_st, get_record_index, playback_pause, playback_resume, playback_seek",
        "action=inner_define&channel=0&cmd=get_device_st&quality=standard | needs param 'type'",
        "action=inner_define&channel=0&cmd=get_device_st&type=voice | needs param 'quality'",
        "action=inner_define&channel=0&cmd=get_device_st&type=video&quality=standard | live, voice, playback",
        "action=inner_define&channel=0&cmd=get_device_st&type=Voice&quality=standard | live, voice, playback",
        "action=inner_define&channel=0&cmd=get_device_st&type=&quality=standard | live, voice, playback",
        "action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=ultra | standard, high, super",
        "action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=high&calltype=video | takes no param 'calltype'",
        "action=inner_define&channel=0&cmd=get_record_index&start_time=10 | needs param 'end_time'",
        "action=inner_define&channel=0&cmd=get_record_index&start_time=11&end_time=10 | is after end_time",
        "action=inner_define&channel=0&cmd=get_record_index&start_time=1700000000000&end_time=1700000000001 | not unix seconds",
        "action=inner_define&channel=0&cmd=get_record_index&start_time=-5&end_time=10 | not unix seconds",
        "action=inner_define&channel=0&cmd=get_record_index&start_time=05&end_time=10 | not unix seconds",
        "action=inner_define&channel=0&cmd=get_record_index&start_time=&end_time=10 | not unix seconds",
        "action=inner_define&channel=0&cmd=playback_pause&x=1 | it takes none",
        "action=inner_define&channel=0&cmd=playback_resume&time=1 | takes no param 'time'",
        "action=inner_define&channel=0&cmd=playback_seek | needs param 'time'",
        "action=inner_define&channel=0&cmd=playback_seek&time=soon | not unix seconds",
    })
    void refusals_nameTheProblem(String text, String expected) {
        P2pFormatException e = assertThrows(P2pFormatException.class, () -> P2pCodec.parse(text));
        assertTrue(e.getMessage().contains(expected), "message " + show(e.getMessage()) + " lacks " + show(expected));
    }

    @Test
    void nullAndEmptyText_areRefused() {
        assertTrue(assertThrows(P2pFormatException.class, () -> P2pCodec.parse(null)).getMessage().contains("null"));
        assertTrue(assertThrows(P2pFormatException.class, () -> P2pCodec.parse("")).getMessage().contains("empty"));
        assertThrows(P2pFormatException.class, () -> P2pCodec.format(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000", "\n", "\r", "\t", "\u007f", "\u0085", "\ud800", "\udc00", "x\ud83d"})
    void controlCharactersAndLoneSurrogates_areRefusedInKeysValuesAndCmd(String bad) {
        String base = "action=user_define&channel=0&cmd=";
        for (String text : List.of(base + "x" + bad, base + "x&k" + bad + "=v", base + "x&k=v" + bad)) {
            P2pFormatException e = assertThrows(P2pFormatException.class, () -> P2pCodec.parse(text), show(text));
            // The message shows the character as an escape, never raw.
            assertFalse(e.getMessage().contains(bad), show(e.getMessage()));
            assertTrue(e.getMessage().contains("U+"), show(e.getMessage()));
        }
    }

    @Test
    void totalLength_atMost16KiB_countedInUtf8Bytes() {
        String head = "action=user_define&channel=0&cmd=big&v=";
        String fits = head + "a".repeat(P2pCommand.MAX_LENGTH - head.length());
        assertEquals(P2pCommand.MAX_LENGTH, fits.length());
        assertEquals(fits, P2pCodec.format(P2pCodec.parse(fits)));

        P2pFormatException over = assertThrows(P2pFormatException.class, () -> P2pCodec.parse(fits + "a"));
        assertTrue(over.getMessage().contains("16384"), over.getMessage());
        assertThrows(P2pFormatException.class, () -> P2pCodec.parse("x".repeat(1_000_000)));

        // 3 bytes each: a third as many characters already reach the limit.
        String wide = head + "名".repeat((P2pCommand.MAX_LENGTH - head.length()) / 3 + 1);
        assertTrue(wide.length() < P2pCommand.MAX_LENGTH);
        P2pFormatException bytes = assertThrows(P2pFormatException.class, () -> P2pCodec.parse(wide));
        assertTrue(bytes.getMessage().contains("bytes"), bytes.getMessage());

        // The same limit holds for a command built in code.
        assertThrows(P2pFormatException.class,
                () -> P2pCommand.userDefine(0, "big", Map.of("v", "a".repeat(P2pCommand.MAX_LENGTH))));
    }

    @Test
    void constructor_enforcesTheSameRules() {
        assertThrows(P2pFormatException.class, () -> new P2pCommand(null, 0, "x", Map.of()));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(-1, "x", Map.of()));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(65536, "x", Map.of()));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, null, Map.of()));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "", Map.of()));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", null));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "a&b", Map.of()));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", Map.of("k", "a&b")));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", Map.of("a&b", "v")));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", Map.of("", "v")));
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", Map.of("_k", "v")));
        Map<String, String> nulls = new HashMap<>();
        nulls.put("k", null);
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", nulls));
        Map<String, String> nullKey = new HashMap<>();
        nullKey.put(null, "v");
        assertThrows(P2pFormatException.class, () -> P2pCommand.userDefine(0, "x", nullKey));
        for (String reserved : List.of("action", "channel", "cmd")) {
            P2pFormatException e = assertThrows(P2pFormatException.class,
                    () -> P2pCommand.userDefine(0, "x", Map.of(reserved, "1")));
            assertTrue(e.getMessage().contains(reserved), e.getMessage());
        }
        assertThrows(P2pFormatException.class, () -> P2pCommand.getDeviceState(0, "voice", null));
        assertThrows(P2pFormatException.class, () -> P2pCommand.getRecordIndex(0, -1, 5));
        assertThrows(P2pFormatException.class, () -> P2pCommand.getRecordIndex(0, 6, 5));
        assertThrows(P2pFormatException.class, () -> P2pCommand.playbackSeek(0, P2pCommand.MAX_UNIX_SECONDS + 1));
        assertEquals(P2pCommand.MAX_UNIX_SECONDS,
                Long.parseLong(P2pCommand.playbackSeek(0, P2pCommand.MAX_UNIX_SECONDS).param("time")));
        assertThrows(P2pFormatException.class,
                () -> new P2pCommand(Action.INNER_DEFINE, 0, "custom", Map.of()));
    }

    // ---- properties ----

    /** Characters allowed in keys and values: ASCII punctuation that is not special, spaces, letters of other scripts. */
    private static final String[] ALLOWED = {
        "a", "b", "z", "A", "Q", "0", "1", "9", "_", "-", ".", "~", "%", "!", "*", "'", "(", ")", ";", ":", "@",
        ",", "$", "?", "#", "[", "]", " ", "\"", "\\", "é", "ß", "名", "字", "😀", "\u00a0", "\u200b"
    };
    private static final String[] KEY_START = {"a", "k", "Z", "7", "-", "%", "名", "😀", " "};

    private static P2pCommand randomValidCommand(Random r) {
        int channel = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> P2pCommand.MAX_CHANNEL;
            default -> r.nextInt(P2pCommand.MAX_CHANNEL + 1);
        };
        if (r.nextBoolean()) {
            return randomInnerDefine(r, channel);
        }
        String cmd = text(r, 1, 12, ALLOWED);
        Map<String, String> params = new LinkedHashMap<>();
        int n = r.nextInt(7);
        while (params.size() < n) {
            String key = pick(r, KEY_START) + text(r, 0, 8, ALLOWED);
            if (!P2pCommand.RESERVED_KEYS.contains(key)) {
                // Values: empty sometimes, long now and then.
                params.put(key, r.nextInt(50) == 0 ? text(r, 500, 2000, ALLOWED) : text(r, 0, 12, ALLOWED));
            }
        }
        return P2pCommand.userDefine(channel, cmd, params);
    }

    private static P2pCommand randomInnerDefine(Random r, int channel) {
        return switch (r.nextInt(5)) {
            case 0 -> {
                // The param order is the caller's: both orders must survive.
                Map<String, String> p = new LinkedHashMap<>();
                String type = P2pCommand.DEVICE_ST_TYPES.get(r.nextInt(3));
                String quality = P2pCommand.DEVICE_ST_QUALITIES.get(r.nextInt(3));
                if (r.nextBoolean()) {
                    p.put("type", type);
                    p.put("quality", quality);
                } else {
                    p.put("quality", quality);
                    p.put("type", type);
                }
                yield new P2pCommand(Action.INNER_DEFINE, channel, P2pCommand.GET_DEVICE_ST, p);
            }
            case 1 -> {
                long a = randomSeconds(r);
                long b = randomSeconds(r);
                yield P2pCommand.getRecordIndex(channel, Math.min(a, b), Math.max(a, b));
            }
            case 2 -> P2pCommand.playbackPause(channel);
            case 3 -> P2pCommand.playbackResume(channel);
            default -> P2pCommand.playbackSeek(channel, randomSeconds(r));
        };
    }

    private static long randomSeconds(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> P2pCommand.MAX_UNIX_SECONDS;
            default -> (long) (r.nextDouble() * P2pCommand.MAX_UNIX_SECONDS);
        };
    }

    @Test
    void property_formatThenParse_givesAnEqualCommand_inAnyPairOrder() {
        int[] actions = new int[2];
        forAll("formatThenParse", 3000, r -> {
            P2pCommand c = randomValidCommand(r);
            actions[c.action().ordinal()]++;
            String text = P2pCodec.format(c);
            P2pCommand back;
            try {
                back = P2pCodec.parse(text);
            } catch (P2pFormatException e) {
                throw new AssertionError("refused its own output " + show(text) + ": " + e.getMessage(), e);
            }
            assertEquals(c, back, show(text));
            assertEquals(new ArrayList<>(c.params().keySet()), new ArrayList<>(back.params().keySet()), show(text));
            assertEquals(text, P2pCodec.format(back), show(text));

            // The same pairs shuffled are the same command.
            List<String> pairs = new ArrayList<>(List.of(text.split("&", -1)));
            Collections.shuffle(pairs, r);
            String shuffled = String.join("&", pairs);
            assertEquals(c, P2pCodec.parse(shuffled), show(shuffled));
        });
        // Both actions were really exercised.
        assertTrue(actions[0] > 1000 && actions[1] > 1000, actions[0] + " inner_define, " + actions[1] + " user_define");
    }

    /** Rich in the grammar's special characters, with characters that break naive code. */
    private static final String[] HOSTILE = {
        "&", "&", "=", "=", "/", "+", "_", "%", "a", "b", "Z", "0", "1", "9", "-", " ", "名", "😀",
        "\ud800", "\udc00", "\u0000", "\n", "\u007f", "１", "action", "channel", "cmd", "inner_define", "user_define",
        "get_device_st", "type", "quality", "voice", "standard", "start_time", "end_time", "time", "65535", "65536",
        "9999999999", "99999999999", "[", "{", "\""
    };
    private static final String[] KEYS = {
        "action", "channel", "cmd", "type", "quality", "start_time", "end_time", "time", "calltype", "_sys", "a", "",
        "a=b", "a/b"
    };
    private static final String[] VALUES = {
        "inner_define", "user_define", "INNER_DEFINE", "get_device_st", "get_record_index", "playback_pause",
        "playback_resume", "playback_seek", "x", "", "0", "1", "00", "-1", "+1", "65535", "65536", "live", "voice",
        "playback", "standard", "high", "super", "0", "1700000000", "9999999999", "10000000000", "1e3", "=", "/"
    };

    private static String randomInput(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> text(r, 0, 60, HOSTILE);
            case 1 -> "";
            case 2 -> {
                // Around the limit, and far beyond it.
                int n = r.nextBoolean() ? P2pCommand.MAX_LENGTH - 40 + r.nextInt(80) : 100_000 + r.nextInt(100_000);
                yield "action=user_define&channel=0&cmd=x&v=" + "a".repeat(n);
            }
            case 3 -> {
                // A valid command with a few characters changed, inserted or removed.
                StringBuilder sb = new StringBuilder(P2pCodec.format(randomValidCommand(r)));
                String[] chars = r.nextBoolean() ? HOSTILE : ALLOWED;
                for (int k = 1 + r.nextInt(3); k > 0 && sb.length() > 0; k--) {
                    int at = r.nextInt(sb.length());
                    switch (r.nextInt(3)) {
                        case 0 -> sb.replace(at, at + 1, pick(r, chars));
                        case 1 -> sb.insert(at, pick(r, chars));
                        default -> sb.deleteCharAt(at);
                    }
                }
                yield sb.toString();
            }
            default -> {
                // Plausible pairs, so that the checks past the first few are reached.
                List<String> pairs = new ArrayList<>();
                if (r.nextBoolean()) {
                    pairs.add("action=" + pick(r, "user_define", "inner_define", "user_define", "INNER_DEFINE"));
                    pairs.add("channel=" + pick(r, "0", "7", "65535", "65536", "-1", "01"));
                    pairs.add("cmd=" + pick(r, VALUES));
                }
                for (int k = r.nextInt(5); k > 0; k--) {
                    pairs.add(pick(r, KEYS) + (r.nextInt(20) == 0 ? "" : "=") + pick(r, VALUES));
                }
                yield String.join("&", pairs);
            }
        };
    }

    @Test
    void property_parseThrowsOnlyP2pFormatException_andWhatItAcceptsRoundTrips() {
        int[] accepted = {0};
        int[] refused = {0};
        forAll("parseNeverThrowsOtherwise", 5000, r -> {
            String input = randomInput(r);
            P2pCommand c;
            try {
                c = P2pCodec.parse(input);
            } catch (P2pFormatException e) {
                assertNotNull(e.getMessage(), show(input));
                assertFalse(e.getMessage().isBlank(), show(input));
                refused[0]++;
                return;
            } catch (RuntimeException | StackOverflowError e) {
                fail("parse threw " + e + " for " + show(input), e);
                return;
            }
            accepted[0]++;
            String text = P2pCodec.format(c);
            assertEquals(c, P2pCodec.parse(text), show(input));
            assertEquals(input.length(), text.length(), "formatting changed the pairs of " + show(input));
        });
        // Neither side of the property was vacuous.
        assertTrue(accepted[0] > 100 && refused[0] > 2000, accepted[0] + " accepted, " + refused[0] + " refused");
    }
}
