package io.callbridge.outbox;

import io.callbridge.device.DeviceDownlink;
import io.callbridge.device.DeviceGateway;
import io.callbridge.mqtt.Canary;
import io.callbridge.mqtt.Downlink;
import io.callbridge.runtime.CallBridgeConfig;
import io.callbridge.store.GroupCommit;
import io.callbridge.webhook.Outbox;
import io.callbridge.webhook.WebhookSender;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.quarkus.main.events.AfterStop;
import org.apache.camel.quarkus.main.events.BeforeStart;
import org.apache.camel.support.DefaultExchange;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Connects the outbox to its senders: webhooks to the {@link WebhookSender}, controls through the device-control
 * route (step 4.1) to the downlink. The webhook-outbox route polls for due retries through {@link #retryDue}.
 * Also starts the downlink and the canary before Camel's routes, and stops them after.
 */
@ApplicationScoped
@Named("webhookOutbox")
public class WebhookOutbox {

    /** The outbox row a control's exchange carries. */
    public static final String ENTRY = "CallBridgeOutboxEntry";
    private static final Logger LOG = Logger.getLogger(WebhookOutbox.class);
    private static final int BATCH = 200;
    private static final int ROUTE_SLOTS = 64;
    /** Headers of an event handed to a route receiver (callbridge.webhooks.url=direct:<name>). */
    public static final String EVENT_TYPE = "CallBridgeEventType";
    public static final String WEBHOOK_ID = "CallBridgeWebhookId";

    @Inject
    Outbox outbox;

    @Inject
    WebhookSender webhooks;

    @Inject
    Downlink downlink;

    @Inject
    Canary canary;

    @Inject
    CamelContext camel;

    @Inject
    CallBridgeConfig config;

    @Inject
    GroupCommit commits;

    private ProducerTemplate template;
    /** Events being handed to routes of the integrator's own; past it they wait in the outbox. */
    private final Semaphore routeSlots = new Semaphore(ROUTE_SLOTS);
    private long nextCleanup;
    private ScheduledExecutorService canaries;

    void beforeCamel(@Observes BeforeStart event) {
        template = camel.createProducerTemplate();
        outbox.senders(outbox.urls().isEmpty() ? e -> false : webhooks, this::control, this::toRoute);
        downlink.start();
        long every = config.mqtt().canaryInterval().toMillis();
        canaries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-canary");
            t.setDaemon(true);
            return t;
        });
        canaries.scheduleWithFixedDelay(this::sendCanary, every, every, TimeUnit.MILLISECONDS);
    }

    // Before the embedded broker stops (it observes AfterStop at the default priority).
    void afterCamel(@Observes @Priority(100) AfterStop event) {
        if (canaries != null) {
            canaries.shutdownNow();
        }
        downlink.close();
        commits.close();
    }

    /**
     * Retries that are due, and deliveries left behind by a full sender, a restart or another instance; once a
     * minute, settled deliveries older than {@code callbridge.webhooks.retention} are forgotten.
     */
    public int retryDue() {
        long now = System.currentTimeMillis();
        if (now >= nextCleanup) {
            nextCleanup = now + 60_000;
            int gone = outbox.forget(Instant.ofEpochMilli(now).minus(config.webhooks().retention()), 10_000);
            if (gone > 0) {
                LOG.infof("Forgot %d settled deliveries older than %s", gone, config.webhooks().retention());
            }
        }
        return outbox.claimDue(Math.min(BATCH, webhooks.room() + 50));
    }

    private boolean control(Outbox.Entry entry) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(ENTRY, entry);
        exchange.getMessage().setBody(entry);
        template.send("direct:device-control", exchange);
        if (exchange.getException() != null) {
            LOG.errorf(exchange.getException(), "The device-control route failed for %s", entry.webhookId());
            return false;
        }
        return Boolean.TRUE.equals(exchange.getProperty(DeviceDownlink.QUEUED, Boolean.class));
    }

    /**
     * An event for a route of the integrator's own: the body is the webhook's JSON, the headers its type, id and
     * call. The route's success is its delivery; an exception (its HTTP call failed, say) is retried as a webhook's
     * failure is. Never on the committing thread: the template's own threads run the route.
     */
    private boolean toRoute(Outbox.Entry entry) {
        if (!routeSlots.tryAcquire()) {
            return false;
        }
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(entry.body());
        exchange.getMessage().setHeader(EVENT_TYPE, entry.type());
        exchange.getMessage().setHeader(WEBHOOK_ID, entry.webhookId());
        exchange.getMessage().setHeader(DeviceGateway.CALL_ID, entry.callId());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            template.asyncSend(entry.url(), exchange).whenComplete((done, error) -> {
                routeSlots.release();
                Throwable failure = error != null ? error : done.getException();
                if (failure == null) {
                    outbox.delivered(entry);
                } else {
                    LOG.warnf("The route %s failed on %s (attempt %d): %s", entry.url(), entry.webhookId(),
                            entry.attempts() + 1, failure.getMessage());
                    outbox.failed(entry, null, failure.getMessage(), null);
                }
            });
            return true;
        } catch (RuntimeException e) {
            routeSlots.release();
            LOG.errorf(e, "Handing %s to %s failed", entry.webhookId(), entry.url());
            return false;
        }
    }

    private void sendCanary() {
        try {
            Canary.Sent sent = canary.next();
            downlink.send(canary.topic(), sent.payload(), System.currentTimeMillis()
                    + config.mqtt().canaryInterval().toMillis(), 0, new Downlink.Listener() {
                        @Override
                        public void published() {
                            canary.published(sent.seq());
                        }

                        @Override
                        public void failed(String why) {
                            LOG.debugf("Canary %d not published: %s", sent.seq(), why);
                        }
                    });
        } catch (RuntimeException e) {
            LOG.warn("Sending the canary failed", e);
        }
    }
}
