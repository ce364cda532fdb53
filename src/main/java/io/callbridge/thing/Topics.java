package io.callbridge.thing;

import java.util.List;
import java.util.Optional;

/** The data-template property topics. Topics are split into segments, never rewritten as strings. */
public final class Topics {

    public static final String UP_PROPERTY_FILTER = "$thing/up/property/+/+";
    public static final String PROPERTY = "property";
    public static final String EVENT = "event";
    public static final String ACTION = "action";
    /** What devices publish that CallBridge reads: properties (calls), events ({@code event_post}), action replies. */
    public static final List<String> UP_FILTERS = List.of(UP_PROPERTY_FILTER, "$thing/up/" + EVENT + "/+/+",
            "$thing/up/" + ACTION + "/+/+");

    /** An up topic read: which kind of thing-model topic, and whose. */
    public record Up(String kind, DeviceId device) {
    }

    private Topics() {
    }

    public static String upProperty(DeviceId device) {
        return "$thing/up/property/" + device.productId() + "/" + device.deviceName();
    }

    public static String downProperty(DeviceId device) {
        return "$thing/down/property/" + device.productId() + "/" + device.deviceName();
    }

    public static String up(String kind, DeviceId device) {
        return "$thing/up/" + kind + "/" + device.productId() + "/" + device.deviceName();
    }

    /**
     * Where instances relay app pushes to each other: under {@code $thing/} (the service credential's ACL) and
     * outside every device's own {@code $thing/up|down/+/P/D}.
     */
    public static String pushRelay(DeviceId device) {
        return "$thing/callbridge/push/" + device.productId() + "/" + device.deviceName();
    }

    public static final String PUSH_RELAY_FILTER = "$thing/callbridge/push/+/+";

    /** The device of a {@link #pushRelay} topic, or empty for any other. */
    public static Optional<DeviceId> deviceOfPushRelay(String topic) {
        return deviceOf(topic, "callbridge", "push");
    }

    /** The down topic of the same kind as an up topic: where its replies go. */
    public static String down(String kind, DeviceId device) {
        return "$thing/down/" + kind + "/" + device.productId() + "/" + device.deviceName();
    }

    /** The kind and device of a {@code $thing/up/{property,event,action}/P/D} topic, or empty for any other. */
    public static Optional<Up> up(String topic) {
        for (String kind : List.of(PROPERTY, EVENT, ACTION)) {
            Optional<DeviceId> d = deviceOf(topic, "up", kind);
            if (d.isPresent()) {
                return Optional.of(new Up(kind, d.get()));
            }
        }
        return Optional.empty();
    }

    /** The device of a {@code $thing/up/property/P/D} topic, or empty for any other topic. */
    public static Optional<DeviceId> deviceOfUpProperty(String topic) {
        return deviceOf(topic, "up", PROPERTY);
    }

    /** The device of a {@code $thing/down/property/P/D} topic, or empty for any other topic. */
    public static Optional<DeviceId> deviceOfDownProperty(String topic) {
        return deviceOf(topic, "down", PROPERTY);
    }

    private static Optional<DeviceId> deviceOf(String topic, String direction, String kind) {
        if (topic == null) {
            return Optional.empty();
        }
        String[] s = topic.split("/", -1);
        if (s.length != 5 || !s[0].equals("$thing") || !s[1].equals(direction) || !s[2].equals(kind)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new DeviceId(s[3], s[4]));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
