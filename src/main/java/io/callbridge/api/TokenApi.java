package io.callbridge.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.AppCommand;
import io.callbridge.call.CallService;
import io.callbridge.call.Decision;
import io.callbridge.call.DevicePresence;
import io.callbridge.call.DeviceState;
import io.callbridge.call.Refusal;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** The app-facing {@code tokenapi}: the actions apps call around a call ({@link #ACTIONS}). */
public final class TokenApi {

    public static final String CONTROL = "AppControlDeviceData";
    public static final String GET_DATA = "AppGetDeviceData";
    public static final String GET_USER = "AppGetUser";
    public static final String GET_STATUSES = "AppGetDeviceStatuses";
    /** What this API serves; any other Action is answered InvalidAction. */
    public static final List<String> ACTIONS = List.of(CONTROL, GET_DATA, GET_STATUSES, GET_USER);
    private static final int MAX_DEVICE_IDS = 100;
    private static final String DEVICE_IDS_SHAPE = "DeviceIds must be an array of strings (\"P/D\", or device names"
            + " of ProductId)";

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    private final CallService calls;
    private final TokenVerifier tokens;
    private final DevicePresence presence;

    public TokenApi(CallService calls, TokenVerifier tokens, DevicePresence presence) {
        this.calls = calls;
        this.tokens = tokens;
        this.presence = presence;
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
        if (!ACTIONS.contains(action)) {
            throw new ApiException(ApiException.INVALID_ACTION, "unknown Action " + action + "; this API serves "
                    + String.join(", ", ACTIONS));
        }
        String requestId = requestId(body);
        String token = required(root, "AccessToken");
        return new ApiRequest(action, requestId, token, tokens.userOf(token), device(root), data(root),
                deviceIds(root, optional(root, "ProductId")));
    }

    /**
     * {@code ProductId} + {@code DeviceName}, or {@code DeviceId} "P/D"; both forms at once must agree. A
     * {@code ProductId} alone names no device (AppGetDeviceStatuses sends it beside {@code DeviceIds}).
     */
    private static Optional<DeviceId> device(JsonNode root) {
        Optional<String> product = optional(root, "ProductId");
        Optional<String> name = optional(root, "DeviceName");
        Optional<String> id = optional(root, "DeviceId");
        try {
            Optional<DeviceId> byParts = Optional.empty();
            if (name.isPresent()) {
                byParts = Optional.of(new DeviceId(product.orElseThrow(() -> missing("ProductId")),
                        name.orElseThrow(() -> missing("DeviceName"))));
            }
            Optional<DeviceId> byId = id.map(DeviceId::parse);
            if (byParts.isPresent() && byId.isPresent() && !byParts.equals(byId)) {
                throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "DeviceId " + byId.get()
                        + " is not ProductId/DeviceName " + byParts.get());
            }
            return byParts.isPresent() ? byParts : byId;
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, e.getMessage());
        }
    }

    private static Map<String, Object> data(JsonNode root) {
        JsonNode d = root.get("Data");
        if (d == null || d.isNull()) {
            return null;
        }
        if (!d.isTextual()) {
            throw new ApiException(ApiException.INVALID_PARAMETER, "Data must be a JSON string");
        }
        if (d.asText().getBytes(StandardCharsets.UTF_8).length > ThingCodec.MAX_PAYLOAD) {
            // It becomes a control's params: held to the size of the device's own messages.
            throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "Data is larger than "
                    + ThingCodec.MAX_PAYLOAD + " bytes");
        }
        try {
            return ThingCodec.parseObject(d.asText());
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "Data is " + e.getMessage());
        }
    }

    /** {@code DeviceIds} of the request: "P/D" each, or a bare DeviceName of {@code ProductId}; at most 100. */
    public static List<DeviceId> deviceIds(JsonNode root, Optional<String> product) {
        JsonNode ids = root.get("DeviceIds");
        if (ids == null || ids.isNull()) {
            return List.of();
        }
        if (!ids.isArray()) {
            throw new ApiException(ApiException.INVALID_PARAMETER, DEVICE_IDS_SHAPE);
        }
        if (ids.size() > MAX_DEVICE_IDS) {
            throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "DeviceIds holds more than "
                    + MAX_DEVICE_IDS + " devices");
        }
        Set<DeviceId> devices = new LinkedHashSet<>();
        for (JsonNode id : ids) {
            if (!id.isTextual()) {
                throw new ApiException(ApiException.INVALID_PARAMETER, DEVICE_IDS_SHAPE);
            }
            try {
                String text = id.asText();
                devices.add(product.isPresent() && text.indexOf('/') < 0 ? new DeviceId(product.get(), text)
                        : DeviceId.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ApiException(ApiException.INVALID_PARAMETER_VALUE, "DeviceIds: " + e.getMessage());
            }
        }
        return List.copyOf(devices);
    }

    /**
     * At start-up the app SDKs learn who the token stands for. CallBridge knows only the user id; the profile fields
     * the SDKs read are there, empty, so that they parse.
     */
    public Map<String, Object> appUser(ApiRequest request) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("UserID", user(request));
        for (String field : List.of("NickName", "Avatar", "CountryCode", "PhoneNumber", "Email", "WxOpenID")) {
            data.put(field, "");
        }
        data.put("HasPassword", "0");
        data.put("HasWxOpenID", "0");
        return Map.of("Data", data);
    }

    /** Whether each device is connected now, for devices the user may use; the others are refused by name. */
    public Map<String, Object> deviceStatuses(ApiRequest request) {
        String user = user(request);
        if (request.deviceIds().isEmpty()) {
            throw new ApiException(ApiException.MISSING_PARAMETER, "DeviceIds is required for " + GET_STATUSES);
        }
        List<String> refused = request.deviceIds().stream().filter(d -> !calls.mayUseDevice(d, user))
                .map(DeviceId::toString).toList();
        if (!refused.isEmpty()) {
            throw new ApiException(ApiException.NO_PERMISSION, "user " + user + " is not bound to "
                    + String.join(", ", refused));
        }
        List<Map<String, Object>> statuses = new ArrayList<>();
        for (DeviceId device : request.deviceIds()) {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("DeviceId", device.toString());
            status.put("ProductId", device.productId());
            status.put("DeviceName", device.deviceName());
            status.put("Online", presence.online(device) ? 1 : 0);
            statuses.add(status);
        }
        return Map.of("DeviceStatuses", statuses);
    }

    /** Step 3: the app accepts (status 1) or refuses / hangs up (status 0). */
    public Decision control(ApiRequest request) {
        String user = user(request);
        DeviceId device = device(request);
        if (request.data() == null) {
            throw new ApiException(ApiException.MISSING_PARAMETER, "Data is required for " + CONTROL);
        }
        Decision decision = calls.app(new AppCommand(device, user, request.data()));
        if (decision.refused()) {
            throw new ApiException(code(decision.refusal()), decision.refusal().message());
        }
        return decision;
    }

    /**
     * The device's last reported properties, as {@code Data} {@code {"<prop>":{"Value":…,"LastUpdate":<ms>}}} in a
     * string, and what it said of itself with report_info as {@code DeviceInfo} (when it did).
     */
    public Map<String, Object> deviceData(ApiRequest request) {
        String user = user(request);
        DeviceId device = device(request);
        if (!calls.mayUseDevice(device, user)) {
            throw new ApiException(ApiException.NO_PERMISSION, "user " + user + " is not bound to " + device);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        calls.store().deviceState(device).map(DeviceState::reported).orElse(Map.of())
                .entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> data.put(e.getKey(), Map.of("Value", e.getValue().value(),
                        "LastUpdate", e.getValue().lastUpdate())));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("Data", ThingCodec.toJson(data));
        calls.store().deviceInfo(device).ifPresent(info -> fields.put("DeviceInfo", info));
        return fields;
    }

    private static DeviceId device(ApiRequest request) {
        return request.device().orElseThrow(() -> new ApiException(ApiException.MISSING_PARAMETER,
                "ProductId and DeviceName (or DeviceId) are required for " + request.action()));
    }

    private String user(ApiRequest request) {
        return request.user().orElseThrow(() -> new ApiException(
                ApiException.INVALID_ACCESS_TOKEN, "the access token is not valid"));
    }

    private static ApiException missing(String field) {
        return new ApiException(ApiException.MISSING_PARAMETER, field + " is required");
    }

    private static Optional<String> optional(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull() || v.isTextual() && v.asText().isEmpty()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new ApiException(ApiException.INVALID_PARAMETER, field + " must be a string");
        }
        return Optional.of(v.asText());
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
