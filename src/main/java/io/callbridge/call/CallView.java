package io.callbridge.call;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A call as the app side sees it (API records and webhook data): one shape for both. */
public final class CallView {

    private CallView() {
    }

    public static Map<String, Object> of(Call c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("callId", c.id());
        m.put("device", c.device().toString());
        m.put("media", c.media().name().toLowerCase());
        m.put("direction", c.direction() == Call.Direction.APP_CALLS_DEVICE ? "app-calls-device" : "device-calls-app");
        m.put("state", c.state().name());
        m.put("reason", c.reason() == null ? null : c.reason().name());
        m.put("caller", c.callerId());
        m.put("called", c.calledId());
        m.put("callees", c.callees());
        m.put("answeredBy", c.answeredBy());
        m.put("rejectedBy", c.rejectedBy().stream().sorted().toList());
        m.put("endedBy", c.endedBy());
        m.put("userAgent", c.userAgent());
        m.put("createdAt", text(c.createdAt()));
        m.put("acceptedAt", text(c.acceptedAt()));
        m.put("connectedAt", text(c.connectedAt()));
        m.put("endedAt", text(c.endedAt()));
        m.put("ringMillis", millis(c.ringDuration()));
        m.put("talkMillis", millis(c.talkDuration()));
        return m;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }

    private static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }
}
