package io.callbridge.thing;

import java.util.Optional;

/** The data-template property topics. Topics are split into segments, never rewritten as strings. */
public final class Topics {

    public static final String UP_PROPERTY_FILTER = "$thing/up/property/+/+";

    private Topics() {
    }

    public static String upProperty(DeviceId device) {
        return "$thing/up/property/" + device.productId() + "/" + device.deviceName();
    }

    public static String downProperty(DeviceId device) {
        return "$thing/down/property/" + device.productId() + "/" + device.deviceName();
    }

    /** The device of a {@code $thing/up/property/P/D} topic, or empty for any other topic. */
    public static Optional<DeviceId> deviceOfUpProperty(String topic) {
        return deviceOf(topic, "up");
    }

    /** The device of a {@code $thing/down/property/P/D} topic, or empty for any other topic. */
    public static Optional<DeviceId> deviceOfDownProperty(String topic) {
        return deviceOf(topic, "down");
    }

    private static Optional<DeviceId> deviceOf(String topic, String direction) {
        if (topic == null) {
            return Optional.empty();
        }
        String[] s = topic.split("/", -1);
        if (s.length != 5 || !s[0].equals("$thing") || !s[1].equals(direction) || !s[2].equals("property")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DeviceId(s[3], s[4]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
