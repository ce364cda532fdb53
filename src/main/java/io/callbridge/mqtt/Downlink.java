package io.callbridge.mqtt;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything CallBridge publishes (replies, controls, its canary) leaves through here: a bounded queue and one
 * connection, QoS 1, never more publishes in flight than the broker's Receive Maximum allows (Paho refuses the
 * rest with "Too many publishes in progress"), and retries.
 * <p>
 * Messages to one topic (one device) go out one at a time and in order: the next waits for the broker's PUBACK of
 * the one before, so a retry can never overtake, and a device never sees "control 0" before a "control 1" that was
 * sent earlier. A publish the broker refuses for a reason that does not pass (not authorised, invalid topic, too
 * large) fails at once; any other failure, and a lost connection, is retried with backoff until the message's
 * deadline.
 */
public final class Downlink implements AutoCloseable {

    /** What became of one message. Called on a Paho or a Downlink thread: must return quickly. */
    public interface Listener {
        void published();

        void failed(String why);
    }

    public record Settings(int maxInFlight, int queueSize, long maxReconnectDelayMillis) {
    }

    /** A snapshot for health and metrics. */
    public record Status(boolean connected, int queued, int inFlight, long published, long failed, long retried,
            long lastPublishedAt, long failingSince, String lastError) {
    }

    private static final Logger LOG = Logger.getLogger(Downlink.class);
    private static final Listener NOBODY = new Listener() {
        @Override
        public void published() {
        }

        @Override
        public void failed(String why) {
        }
    };
    // PUBACK reason codes (MQTT 5, 3.4.2.1) that no retry cures.
    private static final int NOT_AUTHORIZED = 0x87;
    private static final int TOPIC_NAME_INVALID = 0x90;
    private static final int PACKET_TOO_LARGE = 0x95;
    private static final int PAYLOAD_FORMAT_INVALID = 0x99;

    private static final class Message {
        final String topic;
        final byte[] payload;
        final long deadline;
        final Listener listener;
        int attempts;

        Message(String topic, byte[] payload, long deadline, Listener listener) {
            this.topic = topic;
            this.payload = payload;
            this.deadline = deadline;
            this.listener = listener;
        }
    }

    /** The messages waiting for one topic; it is in {@link #ready} or in flight exactly while it is busy. */
    private static final class Lane {
        final String topic;
        final ArrayDeque<Message> messages = new ArrayDeque<>();

        Lane(String topic) {
            this.topic = topic;
        }
    }

    private final String brokerUrl;
    private final String clientId;
    private final MqttConnectionOptions options;
    private final Settings settings;
    private final Clock clock;
    private final Map<String, Lane> lanes = new HashMap<>();
    private final LinkedBlockingQueue<Lane> ready = new LinkedBlockingQueue<>();
    private final Semaphore capacity;
    private final Semaphore window;
    private final Object connection = new Object();
    private final ScheduledExecutorService retries;
    private final Thread sender;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final Map<String, java.util.function.BiConsumer<String, byte[]>> watched =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Runnable> onDisconnect = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile MqttAsyncClient client;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile int windowSize;
    private volatile long lastPublishedAt;
    private volatile long failingSince;
    private volatile String lastError;

    public Downlink(String brokerUrl, String clientId, MqttConnectionOptions options, Settings settings, Clock clock) {
        this.brokerUrl = brokerUrl;
        this.clientId = clientId;
        this.options = NoDelaySockets.apply(options, brokerUrl);
        this.settings = settings;
        this.clock = clock;
        this.capacity = new Semaphore(settings.queueSize());
        this.window = new Semaphore(0);
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mqtt-downlink-retry"));
        this.sender = daemon(this::send, "mqtt-downlink");
    }

    /** Connects in the background (and keeps trying while the broker is away) and starts sending. */
    public Downlink start() {
        sender.start();
        retries.execute(() -> connect(0));
        return this;
    }

    /**
     * Queues a message for {@code topic}, to be published by {@code deadline} (epoch ms) or given up; waits up to
     * {@code waitMillis} while the queue is full. False when it did not fit: the caller decides (a reply is
     * dropped, a control stays in its outbox).
     */
    public boolean send(String topic, byte[] payload, long deadline, long waitMillis, Listener listener) {
        Objects.requireNonNull(topic, "topic");
        try {
            if (!capacity.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (closed) {
            capacity.release();
            return false;
        }
        Message m = new Message(topic, payload, deadline, listener == null ? NOBODY : listener);
        synchronized (lanes) {
            Lane lane = lanes.get(topic);
            if (lane == null) {
                lane = new Lane(topic);
                lanes.put(topic, lane);
                lane.messages.add(m);
                ready.add(lane);
            } else {
                lane.messages.add(m);
            }
        }
        return true;
    }

    /**
     * Subscribes this connection to {@code topic} (a filter, QoS 0), again after every reconnect, and hands each
     * matching message's payload to {@code handler} on a Paho thread. For the broker's own statistics
     * ({@code $SYS/...}) and the app pushes other instances relay.
     */
    public void watch(String topic, java.util.function.Consumer<byte[]> handler) {
        watch(topic, (t, payload) -> handler.accept(payload));
    }

    /** As above, with the topic each message came on (for a filter with wildcards). */
    public void watch(String topic, java.util.function.BiConsumer<String, byte[]> handler) {
        watched.put(topic, handler);
        if (connected) {
            subscribeWatched();
        }
    }

    /** Runs {@code action} on a Paho thread whenever the connection drops (what was watched may have been missed). */
    public void onDisconnect(Runnable action) {
        onDisconnect.add(action);
    }

    private void subscribeWatched() {
        MqttAsyncClient c = client;
        for (String topic : watched.keySet()) {
            try {
                c.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription(topic, 0));
            } catch (MqttException | RuntimeException e) {
                LOG.debugf("Downlink %s cannot subscribe to %s: %s", clientId, topic, e.getMessage());
            }
        }
    }

    public Status status() {
        return new Status(connected, settings.queueSize() - capacity.availablePermits(),
                Math.max(0, windowSize - window.availablePermits()), published.get(), failed.get(), retried.get(),
                lastPublishedAt, failingSince, lastError);
    }

    public boolean connected() {
        return connected;
    }

    public String clientId() {
        return clientId;
    }

    // ---- sending ----

    private void send() {
        while (!closed) {
            Lane lane;
            try {
                lane = ready.take();
                awaitConnected();
                window.acquire();
            } catch (InterruptedException e) {
                break;
            }
            Message m;
            synchronized (lanes) {
                m = lane.messages.peek();
            }
            if (clock.millis() > m.deadline) {
                window.release();
                finish(lane, m, false, "not published before its deadline" + (lastError == null ? ""
                        : " (last error: " + lastError + ")"));
                continue;
            }
            m.attempts++;
            try {
                MqttMessage message = new MqttMessage(m.payload, 1, false, null);
                client.publish(m.topic, message, null, new Outcome(lane, m));
            } catch (MqttException | RuntimeException e) {
                window.release();
                int code = e instanceof MqttException x ? x.getReasonCode() : -1;
                failure(lane, m, code, e.getMessage());
            }
        }
    }

    private final class Outcome implements MqttActionListener {
        private final Lane lane;
        private final Message message;

        Outcome(Lane lane, Message message) {
            this.lane = lane;
            this.message = message;
        }

        @Override
        public void onSuccess(IMqttToken token) {
            window.release();
            int[] codes = token.getReasonCodes();
            int code = codes == null || codes.length == 0 ? 0 : codes[0];
            if (code >= 0x80) {
                failure(lane, message, code, "the broker refused the publish (reason code 0x"
                        + Integer.toHexString(code) + ")");
                return;
            }
            published.incrementAndGet();
            lastPublishedAt = clock.millis();
            failingSince = 0;
            finish(lane, message, true, null);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable exception) {
            window.release();
            int code = exception instanceof MqttException x ? x.getReasonCode() : -1;
            failure(lane, message, code, exception == null ? "publish failed" : exception.getMessage());
        }
    }

    private void failure(Lane lane, Message m, int code, String why) {
        lastError = why;
        if (failingSince == 0) {
            failingSince = clock.millis();
        }
        boolean permanent = code == NOT_AUTHORIZED || code == TOPIC_NAME_INVALID || code == PACKET_TOO_LARGE
                || code == PAYLOAD_FORMAT_INVALID;
        if (permanent || closed) {
            finish(lane, m, false, why);
            return;
        }
        retried.incrementAndGet();
        long delay = Math.min(2000, 100L << Math.min(m.attempts, 5));
        // The lane stays busy: nothing else for this topic goes out before this message.
        retries.schedule(() -> ready.add(lane), delay, TimeUnit.MILLISECONDS);
    }

    private void finish(Lane lane, Message m, boolean ok, String why) {
        synchronized (lanes) {
            lane.messages.poll();
            if (lane.messages.isEmpty()) {
                lanes.remove(lane.topic);
            } else {
                ready.add(lane);
            }
        }
        capacity.release();
        if (capacity.availablePermits() == settings.queueSize()) {
            // Nothing waits any more: whatever failed is over.
            failingSince = 0;
        }
        if (!ok) {
            failed.incrementAndGet();
            LOG.debugf("Gave up publishing to %s after %d attempts: %s", m.topic, m.attempts, why);
        }
        try {
            if (ok) {
                m.listener.published();
            } else {
                m.listener.failed(why);
            }
        } catch (RuntimeException e) {
            LOG.error("A downlink listener failed", e);
        }
    }

    private void awaitConnected() throws InterruptedException {
        synchronized (connection) {
            while (!connected && !closed) {
                connection.wait(1000);
            }
        }
    }

    // ---- the connection ----

    private void connect(int attempt) {
        if (closed) {
            return;
        }
        try {
            if (client == null) {
                client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
                client.setCallback(new Callback());
            }
            IMqttToken token = client.connect(options);
            token.waitForCompletion(10_000);
            Integer max = token.getResponseProperties() == null ? null
                    : token.getResponseProperties().getReceiveMaximum();
            setWindow(max == null ? 65535 : max);
            onConnected();
            LOG.infof("Downlink %s connected to %s (%d publishes in flight at most)", clientId, brokerUrl,
                    windowSize);
        } catch (MqttException | RuntimeException e) {
            lastError = e.getMessage();
            if (attempt % 20 == 0) {
                LOG.warnf("Downlink %s cannot connect to %s (%s); trying again", clientId, brokerUrl, e.getMessage());
            }
            long delay = Math.min(Math.max(250, settings.maxReconnectDelayMillis()), 250L << Math.min(attempt, 10));
            retries.schedule(() -> connect(attempt + 1), delay, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void setWindow(int brokerMaximum) {
        int size = Math.max(1, Math.min(brokerMaximum, settings.maxInFlight()));
        int change = size - windowSize;
        windowSize = size;
        if (change > 0) {
            window.release(change);
        } else if (change < 0) {
            window.acquireUninterruptibly(-change);
        }
    }

    private void onConnected() {
        synchronized (connection) {
            connected = true;
            lastError = null;
            connection.notifyAll();
        }
        subscribeWatched();
    }

    private final class Callback implements MqttCallback {
        @Override
        public void disconnected(MqttDisconnectResponse response) {
            connected = false;
            lastError = response.getReasonString();
            if (failingSince == 0) {
                failingSince = clock.millis();
            }
            if (!closed) {
                LOG.warnf("Downlink %s disconnected from %s: %s", clientId, brokerUrl, response.getReasonString());
            }
            onDisconnect.forEach(Runnable::run);
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            if (reconnect) {
                LOG.infof("Downlink %s reconnected to %s", clientId, serverURI);
                onConnected();
            }
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            LOG.warnf("Downlink %s: %s", clientId, exception.getMessage());
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            var handler = watched.get(topic);
            if (handler != null) {
                handler.accept(topic, message.getPayload());
                return;
            }
            watched.forEach((filter, h) -> {
                if (filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0) {
                    if (org.eclipse.paho.mqttv5.common.util.MqttTopicValidator.isMatched(filter, topic)) {
                        h.accept(topic, message.getPayload());
                    }
                }
            });
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        retries.shutdownNow();
        synchronized (connection) {
            connection.notifyAll();
        }
        MqttAsyncClient c = client;
        if (c != null) {
            try {
                if (c.isConnected()) {
                    c.disconnect().waitForCompletion(2000);
                }
            } catch (MqttException e) {
                LOG.debugf("Disconnecting %s: %s", clientId, e.getMessage());
            }
            try {
                c.close(true);
            } catch (MqttException e) {
                LOG.debugf("Closing %s: %s", clientId, e.getMessage());
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
