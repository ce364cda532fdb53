package io.callbridge.records;

import io.callbridge.thing.ThingCodec;
import io.callbridge.webhook.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.callbridge.records.Answers.MAX_LIMIT;
import static io.callbridge.records.Answers.clean;
import static io.callbridge.records.Answers.number;
import static io.callbridge.records.Answers.problem;

/** Webhook deliveries as the operator sees them: the failed ones, one event's, and a replay. */
@ApplicationScoped
@Named("webhookDeliveries")
public class WebhookDeliveries {

    @Inject
    Outbox outbox;

    /** Webhook deliveries that were given up or refused for good. */
    public void failed(Exchange exchange) {
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
                outbox.failures(limit, offset).stream().map(WebhookDeliveries::view).toList())));
    }

    public void ofWebhook(Exchange exchange) {
        String id = exchange.getMessage().getHeader("webhookId", String.class);
        clean(exchange);
        List<Outbox.Entry> deliveries = outbox.deliveries(id);
        if (deliveries.isEmpty()) {
            problem(exchange, 404, "no webhook " + id);
            return;
        }
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("deliveries",
                deliveries.stream().map(WebhookDeliveries::view).toList())));
    }

    /** Sends the event again to every receiver, same webhook-id. */
    public void replay(Exchange exchange) {
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

}
