package io.callbridge.api;

import io.callbridge.thing.DeviceId;

import java.util.Map;

/** The IoT Explorer app API envelope: {@code {Action, RequestId, AccessToken, ProductId, DeviceName, Data}}. */
public record ApiRequest(String action, String requestId, String accessToken, DeviceId device,
        Map<String, Object> data) {
}
