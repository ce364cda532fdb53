package io.callbridge.thing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one {@link ObjectMapper} of CallBridge (thread-safe once built; nobody configures it after). Everything it
 * reads may come from a stranger (a device, an app, a relay peer), so it refuses what the protocol never sends:
 * nesting deeper than {@link #MAX_NESTING} and anything after the JSON value.
 */
public final class Json {

    /**
     * Data-template values nest a few levels (a struct in an array). Deeper input is refused when read: a value
     * nested near Jackson's own limit (1000) would be stored and then fail to be written into a reply or a control.
     */
    public static final int MAX_NESTING = 32;

    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build()).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }
}
