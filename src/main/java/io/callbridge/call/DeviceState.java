package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.util.Map;

/**
 * What a device last reported: each property's value with the time it was reported (milliseconds), which is
 * what {@code get_status} and {@code AppGetDeviceData} answer from. {@code lastReportAt} is the device
 * timestamp of the newest report applied (null if none carried one) and {@code lastReport} a fingerprint of
 * that report, so a redelivered report is recognised.
 */
public record DeviceState(DeviceId device, Map<String, Reported> reported, Long lastReportAt, String lastReport,
        long version) {

    public record Reported(Object value, long lastUpdate) {
    }

    public DeviceState {
        reported = Map.copyOf(reported);
    }

    public static DeviceState empty(DeviceId device) {
        return new DeviceState(device, Map.of(), null, null, 0);
    }

    public Map<String, Object> values() {
        Map<String, Object> values = new java.util.TreeMap<>();
        reported.forEach((k, v) -> values.put(k, v.value()));
        return values;
    }
}
