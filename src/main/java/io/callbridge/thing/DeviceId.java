package io.callbridge.thing;

import java.util.Objects;

/** A device, written {@code ProductId/DeviceName}. Both parts end up in MQTT topics, so wildcards and separators are refused. */
public record DeviceId(String productId, String deviceName) {

    public DeviceId {
        requireSegment("ProductId", productId);
        requireSegment("DeviceName", deviceName);
    }

    public static DeviceId parse(String id) {
        if (id == null) {
            throw new IllegalArgumentException("device id is missing");
        }
        int slash = id.indexOf('/');
        if (slash < 0 || slash != id.lastIndexOf('/')) {
            throw new IllegalArgumentException("device id must be ProductId/DeviceName: " + quote(id));
        }
        return new DeviceId(id.substring(0, slash), id.substring(slash + 1));
    }

    /** True when the text has the shape of a device id (as opposed to a user id). */
    public static boolean looksLikeDeviceId(String id) {
        return id != null && id.indexOf('/') >= 0;
    }

    static void requireSegment(String what, String value) {
        Objects.requireNonNull(value, what + " is missing");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        if (value.length() > 128) {
            throw new IllegalArgumentException(what + " is longer than 128 characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '/' || c == '+' || c == '#' || c == '\0' || Character.isISOControl(c)) {
                throw new IllegalArgumentException(what + " contains a forbidden character: " + quote(value));
            }
        }
    }

    static String quote(String s) {
        String shown = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return "'" + shown.replace("\0", "\\0") + "'";
    }

    @Override
    public String toString() {
        return productId + "/" + deviceName;
    }
}
