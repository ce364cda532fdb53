package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.time.Instant;

/**
 * A filter over call history; null fields do not filter. {@code from}/{@code to} bound the creation time
 * (from inclusive, to exclusive). Results are newest first.
 */
public record CallQuery(DeviceId device, String user, CallState state, EndReason reason, Instant from, Instant to,
        int limit, int offset) {

    public static CallQuery ofDevice(DeviceId device, int limit) {
        return new CallQuery(device, null, null, null, null, null, limit, 0);
    }

    public boolean matches(Call c) {
        return (device == null || device.equals(c.device()))
                && (user == null || c.isCallee(user))
                && (state == null || state == c.state())
                && (reason == null || reason == c.reason())
                && (from == null || !c.createdAt().isBefore(from))
                && (to == null || c.createdAt().isBefore(to));
    }
}
