package io.callbridge.camel;

import io.callbridge.thing.Topics;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * Derives {@code callbridge.mqtt.uplink-topic}, the filter the device-uplink route subscribes to, from
 * {@code callbridge.cluster.group}: with a group, instances share the device reports through the shared
 * subscription {@code $share/<group>/$thing/up/property/+/+}; without, one instance gets them all.
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
        String topic = Topics.UP_PROPERTY_FILTER;
        if (group != null && group.getValue() != null && !group.getValue().isBlank()) {
            String g = group.getValue().trim();
            if (g.contains("/") || g.contains("+") || g.contains("#")) {
                throw new IllegalArgumentException(GROUP + " must not contain '/', '+' or '#': " + g);
            }
            topic = "$share/" + g + "/" + Topics.UP_PROPERTY_FILTER;
        }
        return ConfigValue.builder().withName(name).withValue(topic).withConfigSourceName("callbridge.cluster.group")
                .build();
    }
}
