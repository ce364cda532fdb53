package io.callbridge.camel;

import io.callbridge.broker.BrokerStartException;
import io.callbridge.broker.EmbeddedBroker;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.camel.quarkus.main.events.AfterStop;
import org.apache.camel.quarkus.main.events.BeforeStart;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The broker devices connect to: the configured one, or else an embedded HiveMQ started before Camel's routes
 * (they connect as soon as they start) and stopped after them.
 */
@ApplicationScoped
public class MqttBroker {

    private static final Logger LOG = Logger.getLogger(MqttBroker.class);

    @Inject
    CallBridgeConfig config;

    private EmbeddedBroker embedded;
    private String url;

    /** The broker URL CallBridge's own clients use; starts the embedded broker on first use. */
    public synchronized String url() {
        if (url != null) {
            return url;
        }
        if (config.mqtt().brokerUrl().isPresent()) {
            url = config.mqtt().brokerUrl().get();
            LOG.infof("Using the MQTT broker at %s (no embedded broker)", url);
            return url;
        }
        CallBridgeConfig.Embedded e = config.mqtt().embedded();
        try {
            embedded = EmbeddedBroker.start(e.host(), e.port(), Path.of(config.dataDir(), "broker"),
                    Duration.ofSeconds(30), new EmbeddedBroker.Options(e.maxQueuedMessages(),
                            e.persistence() == CallBridgeConfig.Persistence.FILE,
                            Math.max(10, config.mqtt().downlink().maxInFlight())));
        } catch (BrokerStartException ex) {
            throw new IllegalStateException(ex.getMessage() + " (set callbridge.mqtt.embedded.port to a free port,"
                    + " or callbridge.mqtt.broker-url to use an external broker)", ex);
        }
        url = "tcp://" + ("0.0.0.0".equals(e.host()) ? "127.0.0.1" : e.host()) + ":" + e.port();
        return url;
    }

    public boolean embedded() {
        return embedded != null;
    }

    /** Messages the embedded broker dropped since it started; -1 for an external broker (see BrokerDrops). */
    public long embeddedDrops() {
        EmbeddedBroker b = embedded;
        return b == null ? -1 : b.droppedMessages();
    }

    void beforeCamel(@Observes BeforeStart event) {
        url();
    }

    void started(@Observes StartupEvent event) {
        if (embedded != null) {
            LOG.infof("Embedded MQTT 5 broker: devices connect to %s", embedded.url());
        }
        var quarkus = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String host = quarkus.getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
        int port = quarkus.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        LOG.infof("App API: POST http://%s:%d/api/exploreropen/tokenapi; call records: GET /api/calls; health: GET"
                + " /q/health", host, port);
    }

    synchronized void afterCamel(@Observes AfterStop event) {
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }
}
