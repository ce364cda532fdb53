package io.callbridge.thing;

import java.util.Map;

/**
 * One data-template message, as parsed. {@code timestamp} is normalised to milliseconds (documents show
 * seconds, the official SDK sends milliseconds); null when absent.
 */
public record ThingMessage(String method, String clientToken, Long timestamp, Map<String, Object> params,
        Integer code, String status, String type) {

    public ThingMessage {
        params = params == null ? Map.of() : params;
    }

    /** Values above 10^11 are milliseconds already; below, seconds. */
    public static long normaliseTimestamp(long value) {
        return value > 100_000_000_000L ? value : value * 1000L;
    }
}
