package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.util.Map;

/** A {@code report} from a device, as the engine sees it: timestamp in milliseconds or null. */
public record DeviceReport(DeviceId device, String clientToken, Long timestamp, Map<String, Object> params) {

    public DeviceReport {
        params = params == null ? Map.of() : params;
    }
}
