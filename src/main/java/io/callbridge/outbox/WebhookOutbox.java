package io.callbridge.outbox;

import io.callbridge.device.DeviceDownlink;
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
    private long nextCleanup;
    private ScheduledExecutorService canaries;

    void beforeCamel(@Observes BeforeStart event) {
        template = camel.createProducerTemplate();
        outbox.senders(outbox.urls().isEmpty() ? e -> false : webhooks, this::control);
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
