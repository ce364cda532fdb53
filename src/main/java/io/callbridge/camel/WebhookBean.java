package io.callbridge.camel;

import io.callbridge.call.Effect;
import io.callbridge.webhook.Outbox;
import io.callbridge.webhook.WebhookSigner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/** The webhook routes' view of the outbox: claim deliveries, sign each attempt, settle the outcome. */
@ApplicationScoped
@Named("webhooks")
public class WebhookBean {

    private static final Logger LOG = Logger.getLogger(WebhookBean.class);
    private static final String ENTRY = "CallBridgeWebhook";
    private static final int BATCH = 100;

    @Inject
    Outbox outbox;

    @Inject
    CallBridgeConfig config;

    private WebhookSigner signer;

    @jakarta.annotation.PostConstruct
    void init() {
        // Without receivers nothing is claimed, so nothing is ever signed.
        signer = config.webhooks().secret().map(WebhookSigner::new).orElse(null);
    }

    /** The fast path: this event's deliveries, claimed right after the transition that caused it. */
    public List<Outbox.Entry> claimEvent(Effect.Event effect) {
        return signer == null ? List.of() : outbox.claimEvent(effect.event().id());
    }

    /** Retries that are due, and deliveries a stopped instance left behind. */
    public List<Outbox.Entry> claimDue() {
        return signer == null ? List.of() : outbox.claimDue(BATCH);
    }

    /** Sets the request up from the delivery in the body: these headers only, this body, signed now. */
    public void prepare(Exchange exchange) {
        Outbox.Entry entry = exchange.getMessage().getBody(Outbox.Entry.class);
        exchange.setProperty(ENTRY, entry);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.HTTP_URI, entry.url());
        exchange.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        Map<String, String> headers = signer.headers(entry.webhookId(), System.currentTimeMillis() / 1000, entry.body());
        headers.forEach(exchange.getMessage()::setHeader);
        exchange.getMessage().setBody(entry.body());
    }

    /** The receiver answered: 2xx is delivered, anything else is retried (410: never again). */
    public void answered(Exchange exchange) {
        Outbox.Entry entry = exchange.getProperty(ENTRY, Outbox.Entry.class);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status >= 200 && status < 300) {
            outbox.delivered(entry.id());
            return;
        }
        Duration retryAfter = status == 429 || status == 503
                ? retryAfter(exchange.getMessage().getHeader("Retry-After", String.class)) : null;
        settle(entry, outbox.failed(entry, status, "HTTP " + status, retryAfter), "HTTP " + status);
    }

    /** The receiver could not be reached (refused, timed out). */
    public void unreachable(Exchange exchange) {
        Outbox.Entry entry = exchange.getProperty(ENTRY, Outbox.Entry.class);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String error = e == null ? "unreachable" : e.getClass().getSimpleName() + ": " + e.getMessage();
        settle(entry, outbox.failed(entry, null, error, null), error);
    }

    private static void settle(Outbox.Entry entry, Outbox.Status status, String why) {
        switch (status) {
            case PENDING -> LOG.infof("Webhook %s (%s) to %s failed (%s), attempt %d; will retry", entry.webhookId(),
                    entry.type(), entry.url(), why, entry.attempts() + 1);
            case GONE -> LOG.warnf("Webhook %s (%s) to %s: receiver answered 410 Gone; not retried",
                    entry.webhookId(), entry.type(), entry.url());
            default -> LOG.log(entry.urgent() ? Logger.Level.WARN : Logger.Level.ERROR, String.format(
                    "Webhook %s (%s) to %s given up after %d attempts (%s)%s", entry.webhookId(), entry.type(),
                    entry.url(), entry.attempts() + 1, why,
                    entry.urgent() ? "" : "; listed at GET /api/webhooks/failed, replay with POST /api/webhooks/"
                            + entry.webhookId() + "/replay"));
        }
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Duration.between(Instant.now(), at).isNegative() ? Duration.ZERO
                        : Duration.between(Instant.now(), at);
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }
}
