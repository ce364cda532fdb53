package io.callbridge.device;

import io.callbridge.mqtt.Downlink;
import io.callbridge.runtime.MqttBroker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.camel.quarkus.main.events.BeforeStart;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;

/**
 * What an external broker says it dropped. Mosquitto publishes the count of PUBLISH messages it dropped (queues
 * full, in-flight limits) as {@code $SYS/broker/publish/messages/dropped}; a report dropped there is a ring lost
 * after the device was told it arrived, so a rising count is worth a warning. Other brokers (HiveMQ, EMQX) keep
 * it in their own metrics; then this stays unknown (-1).
 */
@ApplicationScoped
public class BrokerDrops {

    static final String MOSQUITTO = "$SYS/broker/publish/messages/dropped";
    private static final Logger LOG = Logger.getLogger(BrokerDrops.class);

    @Inject
    Downlink downlink;

    @Inject
    MqttBroker broker;

    private volatile long dropped = -1;

    void watch(@Observes BeforeStart event) {
        if (broker.embedded()) {
            return;
        }
        downlink.watch(MOSQUITTO, payload -> {
            try {
                long now = Long.parseLong(new String(payload, StandardCharsets.UTF_8).trim());
                long before = dropped;
                dropped = now;
                if (before >= 0 && now > before) {
                    LOG.warnf("The broker dropped %d messages (%d in all): raise its queue limits"
                            + " (docs/brokers.md)", now - before, now);
                }
            } catch (NumberFormatException e) {
                LOG.debugf("Not a count on %s", MOSQUITTO);
            }
        });
    }

    /** Messages the broker reported dropped since it started, or -1 when it does not say. */
    public long dropped() {
        return dropped;
    }
}
