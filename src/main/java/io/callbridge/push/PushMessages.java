package io.callbridge.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.api.ApiException;
import io.callbridge.api.TokenApi;
import io.callbridge.thing.DeviceId;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The platform's app push protocol on {@code /ws/explorer} (protocol.md §5), as the Android, iOS and mini-program
 * SDKs speak it: requests {@code {"action","reqId","params"}} answered by {@code reqId} with {@code data.Response}
 * (and {@code error} / {@code error_message} on a failure), and {@code DeviceChange} pushes without a reqId.
 */
public final class PushMessages {

    public static final String ACTIVE_PUSH = "ActivePush";
    public static final String HEARTBEAT = "AppDeviceTraceHeartBeat";
    public static final String YUN_API = "YunApi";
    public static final String HELLO = "Hello";

    /** What a push is about ({@code SubType}). */
    public enum Change {
        REPORT("Property", "Report"), CONTROL("Property", "Push"), EVENT("Event", "Report"),
        ONLINE("StatusChange", "Online"),
        OFFLINE("StatusChange", "Offline");

        final String type;
        final String subType;

        Change(String type, String subType) {
            this.type = type;
            this.subType = subType;
        }
    }

    /**
     * A request from the app: {@link #HELLO} (the SDKs' keep-alive), or {@link #ACTIVE_PUSH} / {@link #HEARTBEAT} with
     * the token and the devices to watch. {@code reqId} is echoed as sent (the SDKs send numbers or strings).
     */
    public record Request(String action, JsonNode reqId, String accessToken, List<DeviceId> deviceIds,
            String requestId) {
    }

    /** A request that cannot be served: answered with the platform's error, by its reqId when it had one. */
    public static final class Refused extends RuntimeException {
        private final JsonNode reqId;
        private final String code;

        Refused(JsonNode reqId, String code, String message) {
            super(message);
            this.reqId = reqId;
            this.code = code;
        }

        public JsonNode reqId() {
            return reqId;
        }

        public String code() {
            return code;
        }
    }

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;
    /** The largest request read: a token and a hundred device ids fit many times over. */
    public static final int MAX_REQUEST = 16 * 1024;

    private PushMessages() {
    }

    public static Request parse(String text) {
        if (text.length() > MAX_REQUEST) {
            throw new Refused(NullNode.getInstance(), ApiException.INVALID_PARAMETER, "request larger than "
                    + MAX_REQUEST + " characters");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (IOException e) {
            throw new Refused(NullNode.getInstance(), ApiException.INVALID_PARAMETER, "request is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new Refused(NullNode.getInstance(), ApiException.INVALID_PARAMETER, "request is not a JSON object");
        }
        JsonNode reqId = root.has("reqId") ? root.get("reqId") : NullNode.getInstance();
        String action = root.path("action").asText("");
        JsonNode params = root.path("params");
        try {
            return switch (action) {
                case HELLO -> new Request(HELLO, reqId, null, List.of(), null);
                case ACTIVE_PUSH -> watch(ACTIVE_PUSH, reqId, params, params);
                case HEARTBEAT -> watch(HEARTBEAT, reqId, params, params);
                case YUN_API -> {
                    if (!HEARTBEAT.equals(params.path("Action").asText())) {
                        throw new Refused(reqId, ApiException.INVALID_ACTION, "YunApi serves " + HEARTBEAT
                                + " only, not " + params.path("Action").asText("(none)"));
                    }
                    // Android wraps its fields in ActionParams; iOS leaves them beside Action.
                    yield watch(HEARTBEAT, reqId, params.has("ActionParams") ? params.path("ActionParams") : params,
                            params);
                }
                case "" -> throw new Refused(reqId, ApiException.MISSING_PARAMETER, "action is required");
                default -> throw new Refused(reqId, ApiException.INVALID_ACTION, "unknown action " + action
                        + "; this push serves " + ACTIVE_PUSH + ", " + HEARTBEAT + " (also in " + YUN_API + "), "
                        + HELLO);
            };
        } catch (ApiException e) {
            throw new Refused(reqId, e.code(), e.getMessage());
        }
    }

    private static Request watch(String action, JsonNode reqId, JsonNode fields, JsonNode outer) {
        JsonNode token = fields.has("AccessToken") ? fields.get("AccessToken") : outer.get("AccessToken");
        if (token == null || !token.isTextual() || token.asText().isEmpty()) {
            throw new Refused(reqId, ApiException.MISSING_PARAMETER, "AccessToken is required");
        }
        JsonNode holder = fields.has("DeviceIds") ? fields : outer;
        List<DeviceId> devices = TokenApi.deviceIds(holder, Optional.empty());
        String requestId = fields.path("RequestId").asText(outer.path("RequestId").asText(""));
        return new Request(action, reqId, token.asText(), devices, requestId.isEmpty() ? null : requestId);
    }

    /** A served request: {@code data.Response} with the fields and the RequestId. */
    public static String answer(JsonNode reqId, String requestId, ObjectNode fields) {
        ObjectNode root = JSON.createObjectNode();
        root.set("reqId", reqId);
        ObjectNode data = root.putObject("data");
        ObjectNode response = data.putObject("Response");
        response.setAll(fields);
        response.put("RequestId", requestId == null ? "" : requestId);
        return root.toString();
    }

    /** The keep-alive's answer: iOS recognises it by data.result, Android by a Response without an Error. */
    public static String hello(JsonNode reqId) {
        ObjectNode root = JSON.createObjectNode();
        root.set("reqId", reqId);
        ObjectNode data = root.putObject("data");
        data.put("result", "hello world");
        data.putObject("Response").put("RequestId", "");
        return root.toString();
    }

    public static String refused(Refused refused) {
        ObjectNode root = JSON.createObjectNode();
        root.set("reqId", refused.reqId());
        root.put("error", refused.code());
        root.put("error_message", refused.getMessage());
        ObjectNode response = root.putObject("data").putObject("Response");
        response.putObject("Error").put("Code", refused.code()).put("Message", refused.getMessage());
        response.put("RequestId", "");
        return root.toString();
    }

    public static Refused refusal(JsonNode reqId, String code, String message) {
        return new Refused(reqId, code, message);
    }

    public static ObjectNode fields() {
        return JSON.createObjectNode();
    }

    /** A {@code DeviceChange} push: the device's message (or the control sent to it) as base64 {@code Payload}. */
    public static String deviceChange(DeviceId device, Change change, String topic, byte[] payload, long seq,
            long time) {
        ObjectNode root = JSON.createObjectNode();
        root.put("push", true);
        root.put("action", "DeviceChange");
        ObjectNode params = root.putObject("params");
        params.put("Time", time);
        params.put("Type", change.type);
        params.put("SubType", change.subType);
        params.put("Topic", topic);
        params.put("Payload", Base64.getEncoder().encodeToString(payload));
        params.put("Seq", seq);
        params.put("DeviceId", device.toString());
        return root.toString();
    }

    /** The payload of an Online / Offline push. */
    public static byte[] presence(DeviceId device, boolean online) {
        return JSON.createObjectNode().put("DeviceId", device.toString()).put("Online", online ? 1 : 0).toString()
                .getBytes(StandardCharsets.UTF_8);
    }
}
