package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.util.Map;

/**
 * An app's {@code AppControlDeviceData} for a device: {@code userId} comes from the access token, {@code params}
 * is the {@code Data} object as sent (it becomes the control message's params).
 */
public record AppCommand(DeviceId device, String userId, Map<String, Object> params) {
}
