package io.callbridge.limits;

import java.util.List;

/** Every rate CallBridge holds its callers to; each is configurable, answered in its protocol's form, and counted. */
public record Limits(RateLimit deviceReports, RateLimit apiPerAddress, RateLimit apiPerToken,
        RateLimit apiFailuresPerAddress, RateLimit mqttConnectsPerAddress) {

    /** Keys remembered per limit at most (devices, tokens, addresses). */
    public static final long MAX_KEYS = 1_000_000;

    public List<RateLimit> all() {
        return List.of(deviceReports, apiPerAddress, apiPerToken, apiFailuresPerAddress, mqttConnectsPerAddress);
    }
}
