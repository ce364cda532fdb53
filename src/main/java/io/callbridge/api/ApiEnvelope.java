package io.callbridge.api;

import io.callbridge.thing.ThingCodec;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokenapi's answer, in both envelopes at once: the API reference's {@code {"Response":{…}}} and the platform
 * app SDKs' {@code {"code","msg","data"}}, whose {@code data} holds what {@code Response} holds. One body both read,
 * so no client has to be recognised: each family ignores the other's keys. Errors too are HTTP 200.
 */
public final class ApiEnvelope {

    /**
     * The SDKs' {@code code} for a refused call: any non-zero is a failure to them, and the Android app logs in again
     * only when it is this value and {@code data.Error.Code} names an invalid access token.
     */
    public static final int SDK_ERROR_CODE = -1000;

    private ApiEnvelope() {
    }

    /** A success whose {@code Data} is a string (AppControlDeviceData's empty one, AppGetDeviceData's JSON). */
    public static String success(String requestId, String data) {
        return success(requestId, Map.of("Data", data == null ? "" : data));
    }

    /** A success with the action's own fields beside the RequestId. */
    public static String success(String requestId, Map<String, Object> fields) {
        Map<String, Object> response = new LinkedHashMap<>(fields);
        response.put("RequestId", requestId);
        return answer(0, "", response);
    }

    public static String error(String requestId, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("Code", code);
        error.put("Message", message);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Error", error);
        response.put("RequestId", requestId);
        return answer(SDK_ERROR_CODE, message, response);
    }

    private static String answer(int code, String msg, Map<String, Object> response) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Response", response);
        body.put("code", code);
        body.put("msg", msg);
        body.put("data", response);
        return ThingCodec.toJson(body);
    }
}
