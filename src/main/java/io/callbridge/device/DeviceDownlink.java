package io.callbridge.device;

import io.callbridge.mqtt.Downlink;
import io.callbridge.runtime.CallBridgeMetrics;
import io.callbridge.webhook.Outbox;
import io.callbridge.outbox.WebhookOutbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.jboss.logging.Logger;

/**
 * The device-downlink route's end: the body goes to the topic in {@link DeviceGateway#DOWN_TOPIC} through the
 * {@link Downlink}. A reply waits for room in the downlink's queue (the report's acknowledgement waits with it, so
 * the broker keeps what CallBridge cannot take yet); a control from the outbox never waits: if there is no room it
 * stays in the outbox for the next attempt.
 */
@ApplicationScoped
@Named("deviceDownlink")
public class DeviceDownlink {

    /** Set on a control's exchange: whether the downlink took it. */
    public static final String QUEUED = "CallBridgeQueued";
    /** A reply not published within this time is dropped: the device has asked again by then. */
    static final long REPLY_TTL_MILLIS = 30_000;
    /** How long a reply waits for room in a full downlink, holding up its worker (and so the uplink). */
    static final long REPLY_WAIT_MILLIS = 10_000;
    /** How long the downlink retries one attempt of a control before the outbox schedules the next. */
    static final long CONTROL_ATTEMPT_MILLIS = 5_000;

    private static final Logger LOG = Logger.getLogger(DeviceDownlink.class);

    @Inject
    Downlink downlink;

    @Inject
    Outbox outbox;

    @Inject
    CallBridgeMetrics metrics;

    public void publish(Exchange exchange) {
        String topic = exchange.getMessage().getHeader(DeviceGateway.DOWN_TOPIC, String.class);
        byte[] payload = exchange.getMessage().getBody(byte[].class);
        Outbox.Entry control = exchange.getProperty(WebhookOutbox.ENTRY, Outbox.Entry.class);
        long now = System.currentTimeMillis();
        if (control == null) {
            if (!downlink.send(topic, payload, now + REPLY_TTL_MILLIS, REPLY_WAIT_MILLIS, null)) {
                LOG.warnf("Dropped a reply to %s: the downlink stayed full for %d ms", topic, REPLY_WAIT_MILLIS);
            }
            return;
        }
        boolean queued = downlink.send(topic, payload, now + CONTROL_ATTEMPT_MILLIS, 0, new Downlink.Listener() {
            @Override
            public void published() {
                outbox.delivered(control);
                metrics.controlPublished(control);
            }

            @Override
            public void failed(String why) {
                outbox.failed(control, null, why, null);
            }
        });
        exchange.setProperty(QUEUED, queued);
    }
}
