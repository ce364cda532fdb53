package io.callbridge.api;

import io.callbridge.thing.DeviceId;

import java.util.Map;
import java.util.Optional;

/**
 * The IoT Explorer app API envelope: {@code {Action, RequestId, AccessToken, ProductId, DeviceName, Data}}, with
 * the user its token stands for, verified once when it is read (empty: the token is refused).
 */
public record ApiRequest(String action, String requestId, String accessToken, Optional<String> user, DeviceId device,
        Map<String, Object> data) {

    /** Never the token. */
    @Override
    public String toString() {
        return "ApiRequest[" + action + " " + requestId + " " + device + "]";
    }
}
