package io.callbridge.api;

import io.callbridge.thing.ThingCodec;

import java.util.LinkedHashMap;
import java.util.Map;

/** The platform's response envelopes: errors too are HTTP 200 with {@code Response.Error}. */
public final class ApiEnvelope {

    private ApiEnvelope() {
    }

    public static String success(String requestId, String data) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Data", data == null ? "" : data);
        response.put("RequestId", requestId);
        return ThingCodec.toJson(Map.of("Response", response));
    }

    public static String error(String requestId, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("Code", code);
        error.put("Message", message);
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("Error", error);
        response.put("RequestId", requestId);
        return ThingCodec.toJson(Map.of("Response", response));
    }
}
