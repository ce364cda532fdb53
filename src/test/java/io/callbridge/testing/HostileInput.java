package io.callbridge.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * Generated hostile input for the bad-input campaign, reproducible from a seed: broken JSON, wrong types, huge and
 * non-finite numbers, deep nesting, long strings, ids with {@code + # / NUL}, far-future and negative timestamps,
 * forged credentials, wrong topics, random relay frames and tokenapi envelopes.
 */
public final class HostileInput {

    /**
     * One input: its kind, its text (or bytes), and where it goes. {@code answerToken}: the clientToken its
     * report_reply will carry, when CallBridge can tell; {@code pathPart}/{@code resource}: a device path and resource,
     * or a client id and username.
     */
    public record Case(String kind, String text, byte[] binary, String answerToken, String pathPart, String resource) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NASTY = List.of("+", "#", "/", "\u0000", "$", "\\", "\"", "'", "%00", "..",
            "\u202e", "\ud83d\ude00", "<script>", "; DROP TABLE calls; --", "${jndi:ldap://x}", "\r\n", " ", "");

    private HostileInput() {
    }

    /** A message on the device's own up topic. */
    public static Case devicePayload(Random r, DeviceId device, String token) {
        switch (r.nextInt(10)) {
            case 0 -> {
                String valid = report(r, token, 1).toString();
                return new Case("broken-json", valid.substring(0, r.nextInt(valid.length())), null, null, null, null);
            }
            case 1 -> {
                return new Case("random-bytes", new String(garbage(r, 1 + r.nextInt(300)), StandardCharsets.ISO_8859_1),
                        null, null, null, null);
            }
            case 2 -> {
                ObjectNode m = report(r, token, r.nextInt(3));
                switch (r.nextInt(5)) {
                    case 0 -> m.putArray("params").add(1);
                    case 1 -> m.put("params", "x");
                    case 2 -> m.put("method", r.nextInt());
                    case 3 -> m.putObject("clientToken");
                    default -> m.put("timestamp", "soon");
                }
                return new Case("wrong-types", m.toString(), null, null, null, null);
            }
            case 3 -> {
                ObjectNode m = report(r, token, 1);
                String[] numbers = {"1e308", "1e400", "-1", "99999999999999999999999", "NaN", "Infinity", "-0", "1.5",
                        "0x10", "2147483648"};
                String text = m.toString().replace("\"_sys_video_call_status\":1",
                        "\"_sys_video_call_status\":" + numbers[r.nextInt(numbers.length)]);
                return new Case("huge-or-non-finite-numbers", text, null, null, null, null);
            }
            case 4 -> {
                int depth = 200 + r.nextInt(5000);
                String text = "{\"method\":\"report\",\"clientToken\":\"" + token + "\",\"params\":{\"x\":"
                        + "[".repeat(depth) + "]".repeat(depth) + "}}";
                return new Case("deep-nesting", text, null, null, null, null);
            }
            case 5 -> {
                ObjectNode m = report(r, token, 1);
                ((ObjectNode) m.get("params")).put("_sys_userid", "u".repeat(1 + r.nextInt(100_000)));
                return new Case("long-strings", m.toString(), null, null, null, null);
            }
            case 6 -> {
                ObjectNode m = report(r, token, r.nextInt(3));
                String nasty = nasty(r);
                String field = List.of("_sys_userid", "_sys_caller_id", "_sys_called_id", "_sys_extra_info")
                        .get(r.nextInt(4));
                ((ObjectNode) m.get("params")).put(field, "2000" + nasty + "1");
                return new Case("injected-ids", m.toString(), null, token, null, null);
            }
            case 7 -> {
                ObjectNode m = report(r, token, r.nextInt(3));
                long[] stamps = {4_102_444_800_000L, 99_999_999_999L, Long.MAX_VALUE, -1, -1_000_000_000_000L, 0};
                m.put("timestamp", stamps[r.nextInt(stamps.length)]);
                return new Case("timestamps", m.toString(), null, null, null, null);
            }
            case 8 -> {
                ObjectNode m = report(r, token, 0);
                m.put("method", List.of("", "REPORT", "control", "report_reply", "clear_control", "x".repeat(500),
                        "get_status", "control_reply").get(r.nextInt(8)));
                return new Case("methods", m.toString(), null, null, null, null);
            }
            default -> {
                return new Case("odd-but-valid-reports", report(r, token, r.nextInt(3)).toString(), null, token, null,
                        null);
            }
        }
    }

    /** A tokenapi body. */
    public static Case tokenapiBody(Random r, String validToken) {
        ObjectNode e = JSON.createObjectNode();
        e.put("Action", List.of("AppControlDeviceData", "AppGetDeviceData", "AppGetUser", "", "x".repeat(300))
                .get(r.nextInt(5)));
        e.put("RequestId", "r-" + r.nextInt());
        e.put("AccessToken", r.nextBoolean() ? validToken : "guess-" + nasty(r));
        e.put("ProductId", "Z" + Integer.toHexString(r.nextInt()).toUpperCase() + (r.nextInt(4) == 0 ? nasty(r) : ""));
        e.put("DeviceName", r.nextInt(4) == 0 ? nasty(r) : "door01");
        switch (r.nextInt(7)) {
            case 0 -> {
                String t = e.toString();
                return new Case("broken-envelope", t.substring(0, r.nextInt(t.length())), null, null, null, null);
            }
            case 1 -> {
                e.putArray("Data").add(1);
                e.put("ProductId", r.nextInt());
                return new Case("wrong-types", e.toString(), null, null, null, null);
            }
            case 2 -> {
                e.put("Data", "{\"_sys_video_call_status\":" + List.of("1e400", "\"1\"", "[1]", "null", "-5", "2")
                        .get(r.nextInt(6)) + "}");
                return new Case("data-values", e.toString(), null, null, null, null);
            }
            case 3 -> {
                e.put("Data", "{\"_sys_video_call_status\":1,\"pad\":\"" + "p".repeat(r.nextInt(200_000)) + "\"}");
                return new Case("data-sizes", e.toString(), null, null, null, null);
            }
            case 4 -> {
                int depth = 100 + r.nextInt(3000);
                e.put("Data", "[".repeat(depth) + "]".repeat(depth));
                return new Case("data-nesting", e.toString(), null, null, null, null);
            }
            case 5 -> {
                return new Case("not-json", new String(garbage(r, 1 + r.nextInt(500)), StandardCharsets.ISO_8859_1),
                        null, null, null, null);
            }
            default -> {
                e.put("Data", "{\"_sys_video_call_status\":" + r.nextInt(2) + ",\"_sys_userid\":\"2000" + nasty(r)
                        + "\",\"_sys_caller_id\":\"" + nasty(r) + "\",\"_sys_called_id\":\"Z/" + nasty(r) + "\"}");
                return new Case("data-injected-ids", e.toString(), null, null, null, null);
            }
        }
    }

    /** A management call: a device path that may not be one, its users or secret, and a body. */
    public static Case managementCall(Random r) {
        String device = "M" + Integer.toHexString(r.nextInt()).toUpperCase() + nasty(r) + "/" + nasty(r) + "d";
        String resource = r.nextBoolean() ? "users" : "secret";
        String body = switch (r.nextInt(6)) {
            case 0 -> "{\"users\":[" + "\"u" + nasty(r) + "\"," .repeat(1 + r.nextInt(50)) + "\"x\"]}";
            case 1 -> "{\"secret\":\"" + "A".repeat(r.nextInt(2000)) + "\"}";
            case 2 -> "{\"secret\":" + r.nextInt() + "}";
            case 3 -> "{\"users\":\"all\"}";
            case 4 -> "[".repeat(2000);
            default -> new String(garbage(r, 100), StandardCharsets.ISO_8859_1);
        };
        return new Case("management-" + resource, body, null, null, device, resource);
    }

    /** A frame for the relay, text or binary. */
    public static Case relayFrame(Random r) {
        switch (r.nextInt(6)) {
            case 0 -> {
                return new Case("text-garbage", new String(garbage(r, 1 + r.nextInt(500)), StandardCharsets.UTF_8), null,
                        null, null, null);
            }
            case 1 -> {
                ObjectNode f = JSON.createObjectNode().put("type", List.of("command", "answer", "stream-open",
                        "voice-open", "voice-close", "close", "", "x").get(r.nextInt(8)));
                f.put("id", nasty(r));
                f.put("command", "action=inner_define&cmd=" + nasty(r) + "&x=" + "y".repeat(r.nextInt(5000)));
                return new Case("json-frames", f.toString(), null, null, null, null);
            }
            case 2 -> {
                return new Case("binary-garbage", null, garbage(r, 1 + r.nextInt(20_000)), null, null, null);
            }
            case 3 -> {
                return new Case("oversized-binary", null, new byte[1024 * 1024 + 1 + r.nextInt(1024)], null, null, null);
            }
            case 4 -> {
                int depth = 100 + r.nextInt(3000);
                return new Case("deep-json", "{\"type\":" + "[".repeat(depth) + "]".repeat(depth) + "}", null, null,
                        null, null);
            }
            default -> {
                return new Case("fake-flv", null, ("FLV\u0001\u0005\u0000\u0000\u0000\u0009" + "x".repeat(r.nextInt(100)))
                        .getBytes(StandardCharsets.ISO_8859_1), null, null, null);
            }
        }
    }

    /** MQTT CONNECT credentials: {@code pathPart} the client id, {@code resource} the username, text the password. */
    public static Case credentials(Random r, DeviceId owner, String secret) {
        String clientId = DeviceCredentials.clientId(owner);
        String expiry = String.valueOf(System.currentTimeMillis() / 1000 + 600);
        String username = DeviceCredentials.username(owner, DeviceCredentials.Form.HMAC_SHA1, "c" + r.nextInt(1000), expiry);
        return switch (r.nextInt(6)) {
            case 0 -> new Case("anonymous", "", null, null, "anon-" + r.nextInt(), null);
            case 1 -> new Case("garbage", nasty(r) + r.nextInt(), null, null, "g-" + r.nextInt(),
                    mqttString(nasty(r) + ";;;"));
            case 2 -> new Case("wrong-signature", "00ff;hmacsha1", null, null, clientId, username);
            case 3 -> new Case("someone-elses-client-id", DeviceCredentials.password(username, secret,
                    DeviceCredentials.Form.HMAC_SHA1), null, null, "Q" + clientId, username);
            case 4 -> {
                String old = DeviceCredentials.username(owner, DeviceCredentials.Form.HMAC_SHA256, "c0", "1000");
                yield new Case("expired", DeviceCredentials.password(old, secret), null, null, clientId, old);
            }
            default -> new Case("own-then-wrong-topic", DeviceCredentials.password(username, secret,
                    DeviceCredentials.Form.HMAC_SHA1), null, null, clientId, username);
        };
    }

    /** A topic a signed-in device may try: its own, another's, a wildcard, a system one. */
    public static String topic(Random r, DeviceId own) {
        return List.of("$thing/up/property/" + own, "$thing/up/property/OTHER00001/door01", "$thing/down/property/" + own,
                "$thing/down/property/OTHER00001/door01", "$SYS/broker", "#", "$thing/up/property/" + own + "/x",
                "callbridge/canary", "$thing/up/event/" + own, "a/" + nasty(r)).get(r.nextInt(10));
    }

    public static byte[] garbage(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /**
     * A string an MQTT client can put on the wire: MQTT forbids NUL and control characters in UTF-8 strings, and
     * Paho refuses to encode them (and then never completes the connect), so they are not hostile input here.
     */
    static String mqttString(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) || Character.isSurrogate((char) c)
                || (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE ? '?' : c));
        return b.toString();
    }

    private static String nasty(Random r) {
        return NASTY.get(r.nextInt(NASTY.size()));
    }

    private static ObjectNode report(Random r, String token, int status) {
        ObjectNode m = JSON.createObjectNode().put("method", "report").put("clientToken", token)
                .put("timestamp", System.currentTimeMillis());
        ObjectNode p = m.putObject("params");
        p.put("_sys_video_call_status", status);
        p.put("_sys_userid", "2000" + (1 + r.nextInt(3)));
        if (r.nextBoolean()) {
            ArrayNode extra = p.putArray("extra");
            extra.add(r.nextInt()).add(r.nextDouble());
        }
        return m;
    }
}
