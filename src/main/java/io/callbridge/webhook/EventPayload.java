package io.callbridge.webhook;

import io.callbridge.call.CallEvent;
import io.callbridge.call.CallView;
import io.callbridge.thing.ThingCodec;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The webhook body of a call event, in the shape Standard Webhooks recommends: {@code {type, timestamp, data}}. */
public final class EventPayload {

    /** Events worth nothing once the ring is over: retried fast and briefly. */
    private static final Set<String> URGENT = Set.of(CallEvent.RINGING, CallEvent.ANSWERED_ELSEWHERE,
            CallEvent.CANCELED);

    private EventPayload() {
    }

    public static String json(CallEvent event) {
        Map<String, Object> data = CallView.of(event.call());
        data.put("seq", event.seq());
        data.putAll(event.details());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", event.type());
        body.put("timestamp", event.at().toString());
        body.put("data", data);
        return ThingCodec.toJson(body);
    }

    public static boolean urgent(CallEvent event) {
        return URGENT.contains(event.type());
    }
}
