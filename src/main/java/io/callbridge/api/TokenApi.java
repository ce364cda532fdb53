package io.callbridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.AppCommand;
import io.callbridge.call.CallService;
import io.callbridge.call.Decision;
import io.callbridge.call.DeviceState;
import io.callbridge.call.Refusal;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** The app-facing {@code tokenapi}: {@code AppControlDeviceData} and {@code AppGetDeviceData}. */
public final class TokenApi {

    public static final String CONTROL = "AppControlDeviceData";
    public static final String GET_DATA = "AppGetDeviceData";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CallService calls;
    private final TokenVerifier tokens;

    public TokenApi(CallService calls, TokenVerifier tokens) {
        this.calls = calls;
        this.tokens = tokens;
    }

    /** The RequestId to echo, even from a body that fails to parse further. */
    public static String requestId(byte[] body) {
        try {
            JsonNode id = JSON.readTree(body).get("RequestId");
            if (id != null && id.isTextual() && !id.asText().isEmpty()) {
                return id.asText();
            }
        } catch (IOException | RuntimeException e) {
            // fall through: a fresh id
        }
        return UUID.randomUUID().toString();
    }

    public ApiRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new ApiException(ApiException.INVALID_PARAMETER, "request body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new ApiException(ApiException.INVALID_PARAMETER, "request body is not a JSON object");
        }
        String action = required(root, "Action");
        String requestId = requestId(body);
        String token = required(root, "AccessToken");
        DeviceId device;
        try {
            device = new DeviceId(required(root, "ProductId"), required(root, "DeviceName"));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, e.getMessage());
        }
        Map<String, Object> data = null;
        JsonNode d = root.get("Data");
        if (d != null && !d.isNull()) {
            if (!d.isTextual()) {
                throw new ApiException(ApiException.INVALID_PARAMETER, "Data must be a JSON string");
            }
            if (d.asText().getBytes(StandardCharsets.UTF_8).length > ThingCodec.MAX_PAYLOAD) {
                // It becomes a control's params: held to the size of the device's own messages.
                throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "Data is larger than "
                        + ThingCodec.MAX_PAYLOAD + " bytes");
            }
            try {
                data = ThingCodec.parseObject(d.asText());
            } catch (IllegalArgumentException e) {
                throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "Data is " + e.getMessage());
            }
        }
        return new ApiRequest(action, requestId, token, tokens.userOf(token), device, data);
    }

    /** Step 3: the app accepts (status 1) or refuses / hangs up (status 0). */
    public Decision control(ApiRequest request) {
        String user = user(request);
        if (request.data() == null) {
            throw new ApiException(ApiException.MISSING_PARAMETER, "Data is required for " + CONTROL);
        }
        Decision decision = calls.app(new AppCommand(request.device(), user, request.data()));
        if (decision.refused()) {
            throw new ApiException(code(decision.refusal()), decision.refusal().message());
        }
        return decision;
    }

    /** The device's last reported properties, as {@code {"<prop>":{"Value":…,"LastUpdate":<ms>}}} in a string. */
    public String deviceData(ApiRequest request) {
        String user = user(request);
        if (!calls.mayUseDevice(request.device(), user)) {
            throw new ApiException(ApiException.NO_PERMISSION, "user " + user + " is not bound to "
                    + request.device());
        }
        Map<String, Object> data = new LinkedHashMap<>();
        calls.store().deviceState(request.device()).map(DeviceState::reported).orElse(Map.of())
                .entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> data.put(e.getKey(), Map.of("Value", e.getValue().value(),
                        "LastUpdate", e.getValue().lastUpdate())));
        return ThingCodec.toJson(data);
    }

    private String user(ApiRequest request) {
        return request.user().orElseThrow(() -> new ApiException(
                ApiException.INVALID_ACCESS_TOKEN, "the access token is not valid"));
    }

    private static String required(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull() || v.isTextual() && v.asText().isEmpty()) {
            throw new ApiException(ApiException.MISSING_PARAMETER, field + " is required");
        }
        if (!v.isTextual()) {
            throw new ApiException(ApiException.INVALID_PARAMETER, field + " must be a string");
        }
        return v.asText();
    }

    static String code(Refusal refusal) {
        return switch (refusal.kind()) {
            case INVALID -> ApiException.INVALID_PARAMETER_VALUE;
            case NO_CALL -> ApiException.NO_ACTIVE_CALL;
            case NOT_BOUND -> ApiException.NO_PERMISSION;
            case NOT_CALLEE -> ApiException.NOT_CALLEE;
            case ANSWERED_ELSEWHERE -> ApiException.ANSWERED_ELSEWHERE;
            case BUSY -> ApiException.DEVICE_BUSY;
            case UNSUPPORTED -> ApiException.UNSUPPORTED;
        };
    }
}
