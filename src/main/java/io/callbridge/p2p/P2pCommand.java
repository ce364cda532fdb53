package io.callbridge.p2p;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One XP2P signaling command, {@code action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=standard}.
 * The constructor enforces the whole grammar (see {@link P2pCodec}), so every command that exists can be
 * formatted and parsed back to an equal one.
 *
 * @param action  built-in ({@code inner_define}) or custom ({@code user_define})
 * @param channel 0 for a camera, the sub-channel for an NVR; 0..{@value #MAX_CHANNEL}
 * @param cmd     the command name, non-empty
 * @param params  the other key=value pairs, in wire order; unmodifiable
 */
public record P2pCommand(Action action, int channel, String cmd, Map<String, String> params) {

    /** A sub-channel number fits in an unsigned 16-bit field; anything larger is a client bug. */
    public static final int MAX_CHANNEL = 65535;
    /** The protocol caps a user_define command at 16 KiB; applied to every command, counted in UTF-8 bytes. */
    public static final int MAX_LENGTH = 16 * 1024;
    /**
     * Unix seconds are at most 10 digits (year 2286): a 13-digit value is milliseconds sent by mistake,
     * and refusing it beats seeking 50,000 years ahead.
     */
    public static final long MAX_UNIX_SECONDS = 9_999_999_999L;

    public static final String GET_DEVICE_ST = "get_device_st";
    public static final String GET_RECORD_INDEX = "get_record_index";
    public static final String PLAYBACK_PAUSE = "playback_pause";
    public static final String PLAYBACK_RESUME = "playback_resume";
    public static final String PLAYBACK_SEEK = "playback_seek";
    /** The inner_define commands the protocol defines; any other inner_define cmd is refused. */
    public static final List<String> INNER_DEFINE_CMDS =
            List.of(GET_DEVICE_ST, GET_RECORD_INDEX, PLAYBACK_PAUSE, PLAYBACK_RESUME, PLAYBACK_SEEK);
    /** get_device_st {@code type}: a live view, a call's voice channel, or a recording. */
    public static final List<String> DEVICE_ST_TYPES = List.of("live", "voice", "playback");
    public static final List<String> DEVICE_ST_QUALITIES = List.of("standard", "high", "super");

    /** The three keys the command itself is made of; they may not appear again among the params. */
    static final List<String> RESERVED_KEYS = List.of("action", "channel", "cmd");

    /** The action, with its wire name. */
    public enum Action {
        INNER_DEFINE("inner_define"),
        USER_DEFINE("user_define");

        private final String wire;

        Action(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        /** The action with this exact wire name (case-sensitive), or null. */
        public static Action fromWire(String wire) {
            for (Action a : values()) {
                if (a.wire.equals(wire)) {
                    return a;
                }
            }
            return null;
        }
    }

    public P2pCommand {
        if (action == null) {
            throw new P2pFormatException("action is missing");
        }
        if (channel < 0 || channel > MAX_CHANNEL) {
            throw new P2pFormatException("channel " + channel + " is outside 0.." + MAX_CHANNEL);
        }
        if (cmd == null || cmd.isEmpty()) {
            throw new P2pFormatException("cmd is missing or empty");
        }
        P2pCodec.checkText("cmd", cmd);
        if (params == null) {
            throw new P2pFormatException("params is missing (use an empty map)");
        }
        // Copied so that a caller's later change can't bypass the checks below.
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : params.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            P2pCodec.checkKey(key);
            if (RESERVED_KEYS.contains(key)) {
                throw new P2pFormatException("param " + P2pCodec.quote(key) + " would repeat the command's own " + key);
            }
            if (value == null) {
                throw new P2pFormatException("param " + P2pCodec.quote(key) + " has no value (null)");
            }
            P2pCodec.checkText("value of " + P2pCodec.quote(key), value);
            copy.put(key, value);
        }
        params = Collections.unmodifiableMap(copy);
        if (action == Action.INNER_DEFINE) {
            checkInnerDefine(cmd, params);
        }
        int length = P2pCodec.utf8Length(P2pCodec.write(action, channel, cmd, params));
        if (length > MAX_LENGTH) {
            throw new P2pFormatException("command is " + length + " bytes, over the " + MAX_LENGTH + " byte limit");
        }
    }

    /** {@code get_device_st}: what the app asks before it pulls a stream or opens its voice channel. */
    public static P2pCommand getDeviceState(int channel, String type, String quality) {
        return inner(channel, GET_DEVICE_ST, "type", type, "quality", quality);
    }

    /** {@code get_record_index}: the recordings between two unix times (seconds). */
    public static P2pCommand getRecordIndex(int channel, long startTime, long endTime) {
        return inner(channel, GET_RECORD_INDEX, "start_time", Long.toString(startTime), "end_time",
                Long.toString(endTime));
    }

    public static P2pCommand playbackPause(int channel) {
        return new P2pCommand(Action.INNER_DEFINE, channel, PLAYBACK_PAUSE, Map.of());
    }

    public static P2pCommand playbackResume(int channel) {
        return new P2pCommand(Action.INNER_DEFINE, channel, PLAYBACK_RESUME, Map.of());
    }

    /** {@code playback_seek}: jump to a unix time (seconds) in the recording being played. */
    public static P2pCommand playbackSeek(int channel, long time) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("time", Long.toString(time));
        return new P2pCommand(Action.INNER_DEFINE, channel, PLAYBACK_SEEK, p);
    }

    /** A custom command; params are kept in the map's iteration order. */
    public static P2pCommand userDefine(int channel, String cmd, Map<String, String> params) {
        return new P2pCommand(Action.USER_DEFINE, channel, cmd, params);
    }

    /** The value of one param, or null when the command has none by that key. */
    public String param(String key) {
        return params.get(key);
    }

    private static P2pCommand inner(int channel, String cmd, String k1, String v1, String k2, String v2) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(k1, v1);
        p.put(k2, v2);
        return new P2pCommand(Action.INNER_DEFINE, channel, cmd, p);
    }

    private static void checkInnerDefine(String cmd, Map<String, String> params) {
        switch (cmd) {
            case GET_DEVICE_ST -> {
                onlyParams(cmd, params, "type", "quality");
                oneOf(cmd, "type", params.get("type"), DEVICE_ST_TYPES);
                oneOf(cmd, "quality", params.get("quality"), DEVICE_ST_QUALITIES);
            }
            case GET_RECORD_INDEX -> {
                onlyParams(cmd, params, "start_time", "end_time");
                long start = unixSeconds(cmd, "start_time", params.get("start_time"));
                long end = unixSeconds(cmd, "end_time", params.get("end_time"));
                if (start > end) {
                    throw new P2pFormatException(cmd + ": start_time " + start + " is after end_time " + end);
                }
            }
            case PLAYBACK_PAUSE, PLAYBACK_RESUME -> onlyParams(cmd, params);
            case PLAYBACK_SEEK -> {
                onlyParams(cmd, params, "time");
                unixSeconds(cmd, "time", params.get("time"));
            }
            default -> throw new P2pFormatException("unknown inner_define cmd " + P2pCodec.quote(cmd) + "; known: "
                    + String.join(", ", INNER_DEFINE_CMDS) + " (custom commands are user_define)");
        }
    }

    /** Built-in commands have a fixed set of params: a missing one or an extra one is a client bug. */
    private static void onlyParams(String cmd, Map<String, String> params, String... keys) {
        List<String> wanted = List.of(keys);
        for (String k : wanted) {
            if (!params.containsKey(k)) {
                throw new P2pFormatException(cmd + " needs param '" + k + "'");
            }
        }
        for (String k : params.keySet()) {
            if (!wanted.contains(k)) {
                throw new P2pFormatException(cmd + " takes no param " + P2pCodec.quote(k)
                        + (wanted.isEmpty() ? " (it takes none)" : " (it takes " + String.join(", ", wanted) + ")"));
            }
        }
    }

    private static void oneOf(String cmd, String key, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new P2pFormatException(cmd + ": " + key + " " + P2pCodec.quote(value) + " is not one of "
                    + String.join(", ", allowed));
        }
    }

    private static long unixSeconds(String cmd, String key, String value) {
        long v = P2pCodec.decimal(value, MAX_UNIX_SECONDS);
        if (v < 0) {
            throw new P2pFormatException(cmd + ": " + key + " " + P2pCodec.quote(value)
                    + " is not unix seconds (digits only, no sign, no leading zero, at most " + MAX_UNIX_SECONDS + ")");
        }
        return v;
    }
}
