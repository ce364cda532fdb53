package io.callbridge.api;

import io.callbridge.thing.DeviceId;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tokenapi request: {@code {Action, RequestId, AccessToken, …}}, with the user its token stands for, verified
 * once when it is read (empty: the token is refused). The device is named by {@code ProductId} + {@code DeviceName}
 * or by {@code DeviceId} ("P/D", as the mini-program SDK sends it); {@code DeviceIds} lists devices for the actions
 * that take several. Each action checks that what it needs is there.
 */
public record ApiRequest(String action, String requestId, String accessToken, Optional<String> user,
        Optional<DeviceId> device, Map<String, Object> data, List<DeviceId> deviceIds) {

    public ApiRequest {
        deviceIds = List.copyOf(deviceIds);
    }

    /** Never the token. */
    @Override
    public String toString() {
        return "ApiRequest[" + action + " " + requestId + " " + device.map(DeviceId::toString).orElse("-") + "]";
    }
}
