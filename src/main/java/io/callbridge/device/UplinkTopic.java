package io.callbridge.device;

import io.callbridge.thing.Topics;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * Derives {@code callbridge.mqtt.uplink-topic}, the filters the device-uplink route subscribes to (a device's
 * property, event and action up topics, comma-separated), from {@code callbridge.cluster.group}: with a group,
 * instances share the device messages through shared subscriptions {@code $share/<group>/$thing/up/property/+/+}
 * and so on; without, one instance gets them all.
 */
public class UplinkTopic implements ConfigSourceInterceptor {

    static final String KEY = "callbridge.mqtt.uplink-topic";
    static final String GROUP = "callbridge.cluster.group";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        if (!KEY.equals(name)) {
            return context.proceed(name);
        }
        ConfigValue explicit = context.proceed(name);
        if (explicit != null && explicit.getValue() != null && !explicit.getValue().isBlank()) {
            return explicit;
        }
        ConfigValue group = context.proceed(GROUP);
        String prefix = "";
        if (group != null && group.getValue() != null && !group.getValue().isBlank()) {
            String g = group.getValue().trim();
            if (g.contains("/") || g.contains("+") || g.contains("#") || g.contains(",")) {
                throw new IllegalArgumentException(GROUP + " must not contain '/', '+', '#' or ',': " + g);
            }
            prefix = "$share/" + g + "/";
        }
        String topic = String.join(",", Topics.UP_FILTERS.stream().map(prefix::concat).toList());
        return ConfigValue.builder().withName(name).withValue(topic).withConfigSourceName("callbridge.cluster.group")
                .build();
    }
}
