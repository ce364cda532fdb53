package io.callbridge.camel;

import io.callbridge.call.CallQuery;
import io.callbridge.call.CallService;
import io.callbridge.call.CallState;
import io.callbridge.call.CallView;
import io.callbridge.call.EndReason;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.UserIds;
import io.callbridge.webhook.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Call history and webhook deliveries as JSON, for the call-record(s) and webhook operators' routes. */
@ApplicationScoped
@Named("callRecords")
public class CallRecordsBean {

    private static final int MAX_LIMIT = 500;

    @Inject
    CallService calls;

    @Inject
    Outbox outbox;

    public void one(Exchange exchange) {
        String id = exchange.getMessage().getHeader("callId", String.class);
        clean(exchange);
        calls.store().find(id).ifPresentOrElse(
                c -> exchange.getMessage().setBody(ThingCodec.toJson(CallView.of(c))),
                () -> problem(exchange, 404, "no call " + id));
    }

    /** {@code GET /api/calls?device=&user=&state=&reason=&from=&to=&limit=&offset=}, newest first. */
    public void search(Exchange exchange) {
        Message in = exchange.getMessage();
        CallQuery query;
        try {
            int limit = number(in, "limit", 50, 1, MAX_LIMIT);
            int offset = number(in, "offset", 0, 0, Integer.MAX_VALUE);
            query = new CallQuery(param(in, "device", DeviceId::parse), param(in, "user", u -> {
                UserIds.requireValid(u);
                return u;
            }), param(in, "state", s -> CallState.valueOf(s.toUpperCase(Locale.ROOT))),
                    param(in, "reason", r -> EndReason.valueOf(r.toUpperCase(Locale.ROOT))),
                    param(in, "from", Instant::parse), param(in, "to", Instant::parse), limit, offset);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            clean(exchange);
            problem(exchange, 400, e.getMessage());
            return;
        }
        clean(exchange);
        List<Map<String, Object>> found = calls.store().search(query).stream().map(CallView::of).toList();
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("calls", found);
        page.put("limit", query.limit());
        page.put("offset", query.offset());
        page.put("next", found.size() == query.limit() ? query.offset() + query.limit() : null);
        exchange.getMessage().setBody(ThingCodec.toJson(page));
    }

    /** Webhook deliveries that were given up or refused for good. */
    public void failedWebhooks(Exchange exchange) {
        Message in = exchange.getMessage();
        int limit;
        int offset;
        try {
            limit = number(in, "limit", 50, 1, MAX_LIMIT);
            offset = number(in, "offset", 0, 0, Integer.MAX_VALUE);
        } catch (IllegalArgumentException e) {
            clean(exchange);
            problem(exchange, 400, e.getMessage());
            return;
        }
        clean(exchange);
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("deliveries",
                outbox.failures(limit, offset).stream().map(CallRecordsBean::view).toList())));
    }

    public void webhookDeliveries(Exchange exchange) {
        String id = exchange.getMessage().getHeader("webhookId", String.class);
        clean(exchange);
        List<Outbox.Entry> deliveries = outbox.deliveries(id);
        if (deliveries.isEmpty()) {
            problem(exchange, 404, "no webhook " + id);
            return;
        }
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("deliveries",
                deliveries.stream().map(CallRecordsBean::view).toList())));
    }

    /** Sends the event again to every receiver, same webhook-id. */
    public void replayWebhook(Exchange exchange) {
        String id = exchange.getMessage().getHeader("webhookId", String.class);
        clean(exchange);
        int queued = outbox.replay(id);
        if (queued == 0) {
            problem(exchange, 404, "no webhook " + id);
            return;
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("webhookId", id, "queued", queued)));
    }

    private static Map<String, Object> view(Outbox.Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("webhookId", e.webhookId());
        m.put("type", e.type());
        m.put("callId", e.callId());
        m.put("url", e.url());
        m.put("status", e.status().name());
        m.put("attempts", e.attempts());
        m.put("lastStatus", e.lastStatus());
        m.put("lastError", e.lastError());
        m.put("createdAt", e.createdAt().toString());
        m.put("nextAttemptAt", e.status() == Outbox.Status.PENDING ? e.nextAttemptAt().toString() : null);
        m.put("deliveredAt", e.deliveredAt() == null ? null : e.deliveredAt().toString());
        return m;
    }

    private static <T> T param(Message in, String name, Function<String, T> parse) {
        String value = in.getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return parse.apply(value.trim());
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException("bad " + name + " " + value + ": " + e.getMessage());
        }
    }

    private static int number(Message in, String name, int fallback, int min, int max) {
        String value = in.getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max);
        }
    }

    private static void clean(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    private static void problem(Exchange exchange, int status, String message) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("error", message)));
    }
}
