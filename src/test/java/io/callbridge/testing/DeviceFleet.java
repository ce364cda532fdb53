package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Many devices over a few real MQTT 5 connections, for load: each connection has a product id of its own and
 * listens on {@code $thing/down/property/<it>/+} at QoS 0, as the platform's SDK does; each ring comes from a
 * device of its own ({@code <product>/r<n>}). Counts the replies by clientToken and the controls by device.
 */
public final class DeviceFleet implements AutoCloseable {

    public static final String USER = "20001";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final List<String> products = new ArrayList<>();
    private final List<Semaphore> windows = new ArrayList<>();
    private final Map<String, AtomicInteger> replies = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> controls = new ConcurrentHashMap<>();
    private final AtomicInteger refusedReplies = new AtomicInteger();
    private final AtomicInteger published = new AtomicInteger();
    private final AtomicInteger publishFailures = new AtomicInteger();
    private final AtomicInteger next = new AtomicInteger();

    /** {@code window}: QoS 1 publishes each connection keeps in flight, as a device SDK's client would. */
    public DeviceFleet(String brokerUrl, int connections, int window) throws MqttException {
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 6).toUpperCase();
        for (int i = 0; i < connections; i++) {
            String product = "F" + run + i;
            MqttAsyncClient c = new MqttAsyncClient(brokerUrl, product + "-fleet", new MemoryPersistence());
            c.setCallback(io.callbridge.sim.MqttMessages.onMessage((topic, message) -> received(topic, message)));
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(true);
            o.setReceiveMaximum(65535);
            IMqttToken connected = c.connect(o);
            connected.waitForCompletion(10_000);
            // Never more in flight than the broker grants (Mosquitto: max_inflight_messages, 20 by default).
            Integer granted = connected.getResponseProperties() == null ? null
                    : connected.getResponseProperties().getReceiveMaximum();
            c.subscribe(new MqttSubscription("$thing/down/property/" + product + "/+", 0)).waitForCompletion(10_000);
            clients.add(c);
            products.add(product);
            windows.add(new Semaphore(granted == null ? window : Math.min(window, granted)));
        }
    }

    private void received(String topic, MqttMessage message) throws Exception {
        JsonNode m = JSON.readTree(message.getPayload());
        String method = m.path("method").asText();
        if ("report_reply".equals(method)) {
            replies.computeIfAbsent(m.path("clientToken").asText(), t -> new AtomicInteger()).incrementAndGet();
            if (m.path("code").asInt(-1) != 0) {
                refusedReplies.incrementAndGet();
            }
        } else if ("control".equals(method)) {
            String device = topic.substring("$thing/down/property/".length());
            controls.computeIfAbsent(device, d -> new AtomicInteger()).incrementAndGet();
        }
    }

    /** The device id of ring number {@code n}. */
    public String device(int n) {
        return products.get(n % products.size()) + "/r" + n;
    }

    /** The clientToken of ring number {@code n}. */
    public static String token(int n) {
        return "ring-" + n;
    }

    /** Publishes ring number {@code n} (QoS 1), waiting for room in its connection's window. */
    public void ring(int n) {
        publish(n, 1);
    }

    /** Publishes report number {@code n} with this status (0 ends what ring {@code n} began). */
    public void publish(int n, int status) {
        int c = n % clients.size();
        String device = device(n);
        ObjectNode p = JSON.createObjectNode();
        p.put("_sys_video_call_status", status);
        p.put("_sys_userid", USER);
        p.put("_sys_caller_id", device);
        p.put("_sys_called_id", USER);
        p.put("_sys_user_agent", DeviceSim.UA);
        ObjectNode report = JSON.createObjectNode();
        report.put("method", "report");
        report.put("clientToken", status == 1 ? token(n) : token(n) + "-" + status);
        report.put("timestamp", System.currentTimeMillis() + status);
        report.set("params", p);
        Semaphore window = windows.get(c);
        window.acquireUninterruptibly();
        try {
            clients.get(c).publish("$thing/up/property/" + device,
                    report.toString().getBytes(StandardCharsets.UTF_8), 1, false, null, new MqttActionListener() {
                        @Override
                        public void onSuccess(IMqttToken token) {
                            window.release();
                            published.incrementAndGet();
                        }

                        @Override
                        public void onFailure(IMqttToken token, Throwable exception) {
                            window.release();
                            publishFailures.incrementAndGet();
                        }
                    });
        } catch (MqttException e) {
            window.release();
            publishFailures.incrementAndGet();
        }
    }

    /** Rings {@code count} new devices at {@code perSecond}, open loop; returns the first ring's number. */
    public int ringAt(int count, int perSecond) {
        int first = next.getAndAdd(count);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + (long) (i * 1e9 / perSecond);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            ring(first + i);
        }
        return first;
    }

    /** Rings {@code count} new devices as fast as the connections take them; returns the first ring's number. */
    public int burst(int count) {
        int first = next.getAndAdd(count);
        for (int i = 0; i < count; i++) {
            ring(first + i);
        }
        return first;
    }

    /** Rings numbered from {@code first}, {@code count} of them, that have no reply yet. */
    public List<Integer> unanswered(int first, int count) {
        List<Integer> missing = new ArrayList<>();
        for (int n = first; n < first + count; n++) {
            if (!replies.containsKey(token(n))) {
                missing.add(n);
            }
        }
        return missing;
    }

    /** Replies that came more than once. */
    public long doubleReplies() {
        return replies.values().stream().filter(c -> c.get() > 1).count();
    }

    public int refusedReplies() {
        return refusedReplies.get();
    }

    public int published() {
        return published.get();
    }

    public int publishFailures() {
        return publishFailures.get();
    }

    public int controls(String device) {
        AtomicInteger n = controls.get(device);
        return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
        for (MqttAsyncClient c : clients) {
            try {
                if (c.isConnected()) {
                    c.disconnect().waitForCompletion(TimeUnit.SECONDS.toMillis(5));
                }
                c.close();
            } catch (MqttException e) {
                // closing anyway
            }
        }
    }
}
