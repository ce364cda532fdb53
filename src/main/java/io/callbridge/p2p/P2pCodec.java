package io.callbridge.p2p;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes XP2P signaling commands:
 * {@code action=inner_define&channel=<n>&cmd=<cmd>&<key>=<value>...} (protocol.md section 6).
 *
 * <p>Grammar, as enforced here:
 * <ul>
 * <li>pairs are separated by {@code &}; each pair is {@code key=value}; keys are case-sensitive;</li>
 * <li>{@code action} ({@code inner_define} or {@code user_define}, lower case), {@code channel} and {@code cmd}
 *     are required, each once, in any order; {@link #format} writes them first, then the params in order;</li>
 * <li>{@code channel} is plain decimal (digits only, no sign, no leading zero) in 0..65535, so that a
 *     command has exactly one text form apart from the order of its pairs;</li>
 * <li>keys and values may not contain {@code & / + =}, nor control characters (the native XP2P library
 *     reads C strings, and a newline or NUL is never meant); keys may not be empty nor start with {@code _}
 *     (reserved by the platform); a key may appear once;</li>
 * <li>a value may be empty ({@code a=}) in user_define, as in any query string; built-in params are typed
 *     and never empty;</li>
 * <li>no escaping and no URL-decoding: the protocol forbids the special characters rather than escaping
 *     them, so {@code %41} is the three characters {@code %41}, passed on as they are;</li>
 * <li>at most {@value P2pCommand#MAX_LENGTH} bytes (UTF-8) in all.</li>
 * </ul>
 * Anything else is refused with a {@link P2pFormatException} naming the problem; nothing else is thrown.
 */
public final class P2pCodec {

    private P2pCodec() {
    }

    public static P2pCommand parse(String text) {
        if (text == null) {
            throw new P2pFormatException("command is missing (null)");
        }
        if (text.isEmpty()) {
            throw new P2pFormatException("command is empty");
        }
        // A char is at least one UTF-8 byte: a long text is refused before any work on it.
        if (text.length() > P2pCommand.MAX_LENGTH) {
            throw new P2pFormatException("command is over the " + P2pCommand.MAX_LENGTH + " byte limit ("
                    + text.length() + " characters)");
        }
        String action = null;
        String channel = null;
        String cmd = null;
        Map<String, String> params = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        int start = 0;
        for (int n = 1; ; n++) {
            int amp = text.indexOf('&', start);
            int end = amp < 0 ? text.length() : amp;
            String pair = text.substring(start, end);
            if (pair.isEmpty()) {
                throw new P2pFormatException("pair " + n + " is empty (a leading, trailing or doubled '&')");
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new P2pFormatException("pair " + n + " " + quote(pair) + " has no '='");
            }
            String key = pair.substring(0, eq);
            String value = pair.substring(eq + 1);
            checkKey(key);
            checkText("value of " + quote(key), value);
            if (!seen.add(key)) {
                throw new P2pFormatException("key " + quote(key) + " appears twice");
            }
            switch (key) {
                case "action" -> action = value;
                case "channel" -> channel = value;
                case "cmd" -> cmd = value;
                default -> params.put(key, value);
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        if (action == null) {
            throw new P2pFormatException("action is missing");
        }
        P2pCommand.Action a = P2pCommand.Action.fromWire(action);
        if (a == null) {
            throw new P2pFormatException("action " + quote(action) + " is neither inner_define nor user_define");
        }
        if (channel == null) {
            throw new P2pFormatException("channel is missing");
        }
        long ch = decimal(channel, P2pCommand.MAX_CHANNEL);
        if (ch < 0) {
            throw new P2pFormatException("channel " + quote(channel) + " is not a number in 0.."
                    + P2pCommand.MAX_CHANNEL + " (digits only, no sign, no leading zero)");
        }
        if (cmd == null) {
            throw new P2pFormatException("cmd is missing");
        }
        // The record checks the rest: empty cmd, inner_define cmds and params, the byte length.
        return new P2pCommand(a, (int) ch, cmd, params);
    }

    public static String format(P2pCommand command) {
        if (command == null) {
            throw new P2pFormatException("command is missing (null)");
        }
        return write(command.action(), command.channel(), command.cmd(), command.params());
    }

    static String write(P2pCommand.Action action, int channel, String cmd, Map<String, String> params) {
        StringBuilder sb = new StringBuilder(64)
                .append("action=").append(action.wire())
                .append("&channel=").append(channel)
                .append("&cmd=").append(cmd);
        params.forEach((k, v) -> sb.append('&').append(k).append('=').append(v));
        return sb.toString();
    }

    static void checkKey(String key) {
        if (key == null) {
            throw new P2pFormatException("a key is missing (null)");
        }
        if (key.isEmpty()) {
            throw new P2pFormatException("a key is empty");
        }
        if (key.charAt(0) == '_') {
            throw new P2pFormatException("key " + quote(key) + " starts with '_', which the protocol reserves");
        }
        checkText("key " + quote(key), key);
    }

    /** The character rules shared by keys, values and cmd. */
    static void checkText(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&', '/', '+', '=' -> throw new P2pFormatException(what + " contains '" + c
                        + "', which XP2P forbids in keys and values (it has no escaping)");
                default -> {
                }
            }
            if (Character.isISOControl(c)) {
                throw new P2pFormatException(what + " contains control character " + String.format("U+%04X", (int) c));
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate has no UTF-8 form: it could not reach the device as sent.
                throw new P2pFormatException(what + " contains an unpaired surrogate " + String.format("U+%04X", (int) c));
            }
        }
    }

    /** Plain decimal (digits only, no sign, no leading zero) up to max; -1 when it is not. */
    static long decimal(String s, long max) {
        if (s == null || s.isEmpty() || s.length() > 19 || (s.length() > 1 && s.charAt(0) == '0')) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v > max) {
                return -1;
            }
        }
        return v;
    }

    /** UTF-8 length of a string whose surrogates are paired (checkText makes sure). */
    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Quoted for a message: cut short, control characters shown as escapes. */
    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String shown = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c) && !isPaired(shown, i)) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }

    private static boolean isPaired(String s, int i) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
