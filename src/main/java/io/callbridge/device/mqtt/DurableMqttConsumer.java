package io.callbridge.device.mqtt;

import io.callbridge.mqtt.Canary;
import io.callbridge.mqtt.InOrderAcks;
import io.callbridge.mqtt.InOrderPerKey;
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
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An MQTT 5 consumer for a persistent session, where Camel 4.17's own falls short:
 * <ul>
 * <li>the callback is in place before the client connects, so messages the broker kept for the session while
 * CallBridge was away, delivered the moment it reconnects, reach the route instead of being dropped;</li>
 * <li>messages are handled by {@code workers} threads, each device's (topic's) in order and different devices'
 * in parallel on whichever thread is free ({@link InOrderPerKey});</li>
 * <li>each message is acknowledged once its route has finished with it (and with every message that arrived
 * before it: {@link InOrderAcks}); every message is finished with, whatever its route did, so none holds one of
 * the broker's in-flight slots forever;</li>
 * <li>after a reconnect the subscription is renewed, and retried until it succeeds (CAMEL-24511: a failed
 * resubscribe left the route "Started" and deaf); {@link #subscribed()} tells the health check;</li>
 * <li>CallBridge's own {@link Canary} is recognised and never reaches the route.</li>
 * </ul>
 */
public class DurableMqttConsumer extends DefaultConsumer {

    private static final Logger LOG = Logger.getLogger(DurableMqttConsumer.class);
    /** Header: when the message reached CallBridge (epoch milliseconds). */
    public static final String RECEIVED_AT = "CallBridgeReceivedAt";

    private record Work(String topic, MqttMessage message, InOrderAcks.Ticket ticket, long receivedAt) {
    }

    private volatile MqttClient client;
    private volatile boolean subscribed;
    private volatile boolean stopping;
    private volatile String lastError;
    private volatile InOrderAcks acks;
    private ScheduledExecutorService resubscriber;
    private ExecutorService workers;
    private volatile InOrderPerKey lanes;
    private final AtomicInteger busy = new AtomicInteger();

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

    /** Messages received and not yet acknowledged (waiting for a worker, being handled, or behind an older one). */
    public int unacknowledged() {
        InOrderAcks a = acks;
        return a == null ? 0 : a.waiting();
    }

    /** Messages handed to the workers and not finished yet (waiting for one, or being handled). */
    public int inProgress() {
        return busy.get();
    }

    private Canary canary() {
        return getEndpoint().component().getCanary();
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
        AtomicInteger threads = new AtomicInteger();
        workers = Executors.newFixedThreadPool(getEndpoint().component().getWorkers(), r -> {
            Thread t = new Thread(r, "mqtt-uplink-" + threads.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        lanes = new InOrderPerKey(workers);
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
        newAcks();
        client.connect(getEndpoint().connectionOptions());
        subscribe();
        lastError = null;
    }

    private void newAcks() {
        InOrderAcks old = acks;
        if (old != null) {
            old.retire();
        }
        MqttClient c = client;
        boolean manual = getEndpoint().getConfiguration().isManualAcksEnabled();
        acks = new InOrderAcks((id, qos) -> {
            if (!manual) {
                return;
            }
            try {
                c.messageArrivedComplete(id, qos);
            } catch (MqttException e) {
                LOG.warnf("Acknowledging message %d failed: %s", id, e.getMessage());
            }
        });
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
            if (!Objects.equals(e.getMessage(), lastError) || attempt % 20 == 0) {
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
        // What was taken in is finished and acknowledged; what arrives from now on is left to the broker.
        long until = System.currentTimeMillis() + 5000;
        while (System.currentTimeMillis() < until && busy.get() > 0) {
            Thread.sleep(10);
        }
        workers.shutdownNow();
        MqttClient c = client;
        client = null;
        if (c != null) {
            try {
                if (c.isConnected()) {
                    // A durable subscription is kept on purpose: the broker holds reports while we are away.
                    if (getEndpoint().getConfiguration().isCleanStart()) {
                        c.unsubscribe(filters());
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

    /** The endpoint's topic: one filter, or several separated by commas (a device's property, event and action). */
    private String[] filters() {
        return java.util.Arrays.stream(getEndpoint().getTopic().split(",")).map(String::trim)
                .filter(f -> !f.isEmpty()).toArray(String[]::new);
    }

    private void subscribe() throws MqttException {
        int qos = getEndpoint().getConfiguration().getQos();
        List<MqttSubscription> subs = new ArrayList<>();
        for (String filter : filters()) {
            subs.add(new MqttSubscription(filter, qos));
        }
        Canary canary = canary();
        if (canary != null && getEndpoint().getTopic().startsWith("$share/")) {
            // A shared subscription hands our canary to any member: this instance listens for its own too.
            subs.add(new MqttSubscription(canary.topic(), qos));
        }
        client.subscribe(subs.toArray(MqttSubscription[]::new));
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

    private void work(Work w) {
        try {
            process(w);
        } catch (RuntimeException | Error e) {
            LOG.error("Handling an MQTT message on " + w.topic() + " failed", e);
        } finally {
            busy.decrementAndGet();
            w.ticket().done();
            Canary canary = canary();
            if (canary != null) {
                canary.progress();
            }
        }
    }

    private void process(Work w) {
        Exchange exchange = createExchange(true);
        try {
            exchange.getMessage().setBody(w.message().getPayload());
            exchange.getMessage().setHeader(PahoMqtt5Constants.MQTT_TOPIC, w.topic());
            exchange.getMessage().setHeader(PahoMqtt5Constants.MQTT_QOS, w.message().getQos());
            exchange.getMessage().setHeader(RECEIVED_AT, w.receivedAt());
            try {
                getProcessor().process(exchange);
            } catch (Exception e) {
                exchange.setException(e);
            }
            if (exchange.getException() != null) {
                // Acknowledged all the same: a message the route cannot handle now would fail again, and an
                // unacknowledged one holds a broker in-flight slot until the connection drops.
                getExceptionHandler().handleException("Processing an MQTT message on " + w.topic(), exchange,
                        exchange.getException());
            }
        } finally {
            releaseExchange(exchange, false);
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
            // What this connection did not acknowledge, the broker sends again on the next one.
            newAcks();
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
            if (stopping) {
                return;
            }
            InOrderAcks.Ticket ticket = acks.arrived(message.getId(), message.getQos());
            if (Canary.isCanaryTopic(topic)) {
                Canary canary = canary();
                if (canary != null) {
                    canary.arrived(topic, message.getPayload());
                }
                ticket.done();
                return;
            }
            busy.incrementAndGet();
            Work w = new Work(topic, message, ticket, System.currentTimeMillis());
            lanes.submit(topic, () -> work(w));
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }
}
