package io.callbridge.camel.mqtt;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.DefaultConsumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.jboss.logging.Logger;

import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An MQTT 5 consumer for a persistent session, where Camel 4.17's own falls short:
 * <ul>
 * <li>the callback is in place before the client connects, so messages the broker kept for the session while
 * CallBridge was away, delivered the moment it reconnects, reach the route instead of being dropped;</li>
 * <li>each message is processed to the end before it is acknowledged (manual acks), and a message whose route
 * failed is not acknowledged, so the broker delivers it again;</li>
 * <li>after a reconnect the subscription is renewed, and retried until it succeeds (CAMEL-24511: a failed
 * resubscribe left the route "Started" and deaf); {@link #subscribed()} tells the health check.</li>
 * </ul>
 */
public class DurableMqttConsumer extends DefaultConsumer {

    private static final Logger LOG = Logger.getLogger(DurableMqttConsumer.class);

    private volatile MqttClient client;
    private volatile boolean subscribed;
    private volatile boolean stopping;
    private volatile String lastError;
    private ScheduledExecutorService resubscriber;

    public DurableMqttConsumer(DurableMqttEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public DurableMqttEndpoint getEndpoint() {
        return (DurableMqttEndpoint) super.getEndpoint();
    }

    /** Connected and subscribed: messages for the topic reach the route. */
    public boolean subscribed() {
        MqttClient c = client;
        return subscribed && c != null && c.isConnected();
    }

    public boolean connected() {
        MqttClient c = client;
        return c != null && c.isConnected();
    }

    /** Why the last attempt to connect or subscribe failed, or null. */
    public String lastError() {
        return lastError;
    }

    public String brokerUrl() {
        return getEndpoint().getConfiguration().getBrokerUrl();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        stopping = false;
        var config = getEndpoint().getConfiguration();
        String clientId = config.getClientId() != null ? config.getClientId() : "callbridge-" + UUID.randomUUID();
        resubscriber = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-resubscribe-" + clientId);
            t.setDaemon(true);
            return t;
        });
        client = new MqttClient(config.getBrokerUrl(), clientId, new MemoryPersistence());
        client.setManualAcks(config.isManualAcksEnabled());
        client.setCallback(new Callback());
        try {
            connectAndSubscribe();
        } catch (MqttException e) {
            // Paho reconnects on its own only after a first connect: until then, keep trying here.
            lastError = e.getMessage();
            LOG.warnf("The MQTT broker %s is unreachable (%s): CallBridge starts anyway, reports DOWN on"
                    + " /q/health and keeps trying to connect", brokerUrl(), e.getMessage());
            scheduleConnect(1);
        }
    }

    private void connectAndSubscribe() throws MqttException {
        client.connect(getEndpoint().connectionOptions());
        subscribe();
        lastError = null;
    }

    private void scheduleConnect(int attempt) {
        long max = Math.max(250, getEndpoint().getConfiguration().getMaxReconnectDelay());
        long delay = Math.min(max, 250L << Math.min(attempt, 10));
        resubscriber.schedule(() -> connectLater(attempt), delay, TimeUnit.MILLISECONDS);
    }

    private void connectLater(int attempt) {
        MqttClient c = client;
        if (stopping || c == null) {
            return;
        }
        try {
            connectAndSubscribe();
            LOG.infof("Connected to the MQTT broker %s and subscribed to %s", brokerUrl(), getEndpoint().getTopic());
        } catch (MqttException | RuntimeException e) {
            if (!java.util.Objects.equals(e.getMessage(), lastError) || attempt % 20 == 0) {
                LOG.warnf("The MQTT broker %s is still unreachable (%s); trying again", brokerUrl(), e.getMessage());
            }
            lastError = e.getMessage();
            scheduleConnect(attempt + 1);
        }
    }

    @Override
    protected void doStop() throws Exception {
        stopping = true;
        subscribed = false;
        if (resubscriber != null) {
            resubscriber.shutdownNow();
        }
        MqttClient c = client;
        client = null;
        if (c != null) {
            try {
                if (c.isConnected()) {
                    // A durable subscription is kept on purpose: the broker holds reports while we are away.
                    if (getEndpoint().getConfiguration().isCleanStart()) {
                        c.unsubscribe(getEndpoint().getTopic());
                    }
                    c.disconnect();
                }
            } catch (MqttException e) {
                LOG.debugf("Disconnecting %s: %s", c.getClientId(), e.getMessage());
            } finally {
                c.close(true);
            }
        }
        super.doStop();
    }

    private void subscribe() throws MqttException {
        client.subscribe(getEndpoint().getTopic(), getEndpoint().getConfiguration().getQos());
        subscribed = true;
    }

    private void resubscribe(int attempt) {
        if (stopping || client == null) {
            return;
        }
        try {
            subscribe();
            LOG.infof("Subscribed again to %s after a reconnect", getEndpoint().getTopic());
        } catch (MqttException | RuntimeException e) {
            lastError = e.getMessage();
            long delay = Math.min(5000, 250L << Math.min(attempt, 5));
            LOG.warnf("Subscribing again to %s failed (%s); retrying in %d ms", getEndpoint().getTopic(),
                    e.getMessage(), delay);
            resubscriber.schedule(() -> resubscribe(attempt + 1), delay, TimeUnit.MILLISECONDS);
        }
    }

    private final class Callback implements MqttCallback {

        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) {
                LOG.infof("Reconnected to %s", serverUri);
                resubscriber.execute(() -> resubscribe(0));
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            subscribed = false;
            lastError = response.getReasonString();
            if (!stopping) {
                LOG.warnf("Disconnected from %s: %s", brokerUrl(), response.getReasonString());
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.warnf("MQTT error: %s", exception.getMessage());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            Exchange exchange = createExchange(true);
            exchange.getMessage().setBody(message.getPayload());
            exchange.getMessage().setHeader(PahoMqtt5Constants.MQTT_TOPIC, topic);
            exchange.getMessage().setHeader(PahoMqtt5Constants.MQTT_QOS, message.getQos());
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            if (exchange.getException() != null) {
                // Not acknowledged: the broker delivers it again after the next reconnect.
                getExceptionHandler().handleException("Processing an MQTT message on " + topic, exchange,
                        exchange.getException());
            } else if (getEndpoint().getConfiguration().isManualAcksEnabled()) {
                try {
                    client.messageArrivedComplete(message.getId(), message.getQos());
                } catch (MqttException e) {
                    LOG.warnf("Acknowledging message %d failed: %s", message.getId(), e.getMessage());
                }
            }
            releaseExchange(exchange, false);
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
