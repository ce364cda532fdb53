package io.callbridge.thing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes data-template JSON. Always through Jackson: tokens and params may hold any character. */
public final class ThingCodec {

    public static final int MAX_NESTING = Json.MAX_NESTING;

    private static final ObjectMapper JSON = Json.MAPPER;
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private ThingCodec() {
    }

    /** Larger messages are refused: a data-template report is a few hundred bytes. */
    public static final int MAX_PAYLOAD = 64 * 1024;
    public static final String CONTROL_REPLY = "control_reply";

    public static ThingMessage parse(byte[] payload) {
        return parse(payload, token -> false);
    }

    /**
     * As above; a message without {@code method} is a {@code control_reply} when it has a {@code code} and its
     * {@code clientToken} is one of our controls (the Python SDK leaves {@code method} out of its replies).
     */
    public static ThingMessage parse(byte[] payload, java.util.function.Predicate<String> ownControlToken) {
        if (payload.length > MAX_PAYLOAD) {
            throw new ThingException(ThingException.MALFORMED, "payload is larger than " + MAX_PAYLOAD + " bytes");
        }
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (IOException e) {
            throw new ThingException(ThingException.MALFORMED, "payload is not JSON: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new ThingException(ThingException.MALFORMED, "payload is not a JSON object");
        }
        JsonNode method = root.get("method");
        String token = text(root.get("clientToken"));
        if (method == null && root.path("code").canConvertToInt() && token != null && ownControlToken.test(token)) {
            method = JSON.getNodeFactory().textNode(CONTROL_REPLY);
        }
        if (method == null || !method.isTextual() || method.asText().isEmpty()) {
            throw new ThingException(ThingException.MALFORMED, "method is missing or not a string");
        }
        Long timestamp = null;
        JsonNode ts = root.get("timestamp");
        if (ts != null && !ts.isNull()) {
            if (!ts.canConvertToLong() || !ts.isIntegralNumber() || ts.asLong() < 0) {
                throw new ThingException(ThingException.MALFORMED, "timestamp must be a non-negative integer");
            }
            timestamp = ThingMessage.normaliseTimestamp(ts.asLong());
        }
        Map<String, Object> params = null;
        JsonNode p = root.get("params");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                throw new ThingException(ThingException.MALFORMED, "params must be a JSON object");
            }
            params = JSON.convertValue(p, MAP);
        }
        JsonNode code = root.get("code");
        Integer codeValue = code != null && code.canConvertToInt() ? code.asInt() : null;
        return new ThingMessage(method.asText(), token, timestamp, params, codeValue, text(root.get("status")),
                text(root.get("type")));
    }

    /**
     * What an {@code event_post} says (its {@code eventId}, {@code type}, {@code version}, {@code timestamp} in
     * milliseconds and {@code params}), for the {@code device.event} webhook; a field missing or of another shape is
     * left out. The payload has been read by {@link #parse} already.
     */
    public static Map<String, Object> eventFields(byte[] payload) {
        Map<String, Object> fields = new java.util.LinkedHashMap<>();
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        } catch (IOException e) {
            return fields;
        }
        for (String key : List.of("eventId", "type", "version")) {
            if (root.path(key).isTextual()) {
                fields.put(key, root.get(key).asText());
            }
        }
        if (root.path("timestamp").isIntegralNumber() && root.get("timestamp").asLong() >= 0) {
            fields.put("timestamp", ThingMessage.normaliseTimestamp(root.get("timestamp").asLong()));
        }
        fields.put("params", root.path("params").isObject() ? JSON.convertValue(root.get("params"), MAP) : Map.of());
        return fields;
    }

    /** Parses a JSON object given as text, such as the {@code Data} string of the app API. */
    public static Map<String, Object> parseObject(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            return JSON.convertValue(node, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + firstLine(e.getOriginalMessage()));
        }
    }

    public static byte[] reply(String method, String clientToken, int code, String status) {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("method", method + "_reply");
        if (clientToken != null) {
            reply.put("clientToken", clientToken);
        }
        reply.put("code", code);
        reply.put("status", status);
        return bytes(reply);
    }

    public static byte[] control(String clientToken, Map<String, Object> params) {
        ObjectNode control = JSON.createObjectNode();
        control.put("method", "control");
        control.put("clientToken", clientToken);
        control.set("params", JSON.valueToTree(params));
        return bytes(control);
    }

    /** The answer to get_status: the last reported values, and the control not yet answered (null: none). */
    public static byte[] getStatusReply(String clientToken, String type, Map<String, Object> reported,
            Map<String, Object> control) {
        ObjectNode reply = JSON.createObjectNode();
        reply.put("method", "get_status_reply");
        if (clientToken != null) {
            reply.put("clientToken", clientToken);
        }
        reply.put("code", 0);
        reply.put("status", "success");
        reply.put("type", type == null ? "report" : type);
        ObjectNode data = reply.putObject("data");
        data.set("reported", JSON.valueToTree(reported));
        if (control != null) {
            data.set("control", JSON.valueToTree(control));
        }
        return bytes(reply);
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(ObjectNode node) {
        return toJson(node).getBytes(StandardCharsets.UTF_8);
    }

    private static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
