package io.callbridge.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The simulated devices: {@code n} real MQTT 3.1.1 connections, as the platform's device SDKs speak it. Each
 * connection has its own ProductId ({@code B0001}, …), subscribes QoS 0 to {@code $thing/down/property/<it>/+}
 * and acts for many DeviceNames; reports go out QoS 1 on {@code $thing/up/property/P/D}.
 */
final class Fleet implements AutoCloseable {

    final List<Mqtt3AsyncClient> clients = new ArrayList<>();
    final List<String> products = new ArrayList<>();

    static Fleet connect(String host, int port, int n, String idPrefix, Tracker tracker, Duration timeout)
            throws Exception {
        Fleet f = new Fleet();
        List<CompletableFuture<?>> ready = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String product = String.format("B%04d", i + 1);
            Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3()
                    .identifier(idPrefix + "-" + product)
                    .serverHost(host).serverPort(port)
                    .buildAsync();
            f.clients.add(c);
            f.products.add(product);
            String down = "$thing/down/property/" + product + "/";
            Consumer<Mqtt3Publish> onDown = p -> {
                long now = System.nanoTime();
                String topic = p.getTopic().toString();
                if (topic.startsWith(down)) {
                    tracker.onDown(product + "/" + topic.substring(down.length()), p.getPayloadAsBytes(), now);
                }
            };
            ready.add(c.connectWith().cleanSession(true).keepAlive(60).send()
                    .thenCompose(ack -> c.subscribeWith().topicFilter(down + "+").qos(MqttQos.AT_MOST_ONCE)
                            .callback(onDown).send()));
        }
        try {
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            long failed = ready.stream().filter(r -> r.isCompletedExceptionally() || !r.isDone()).count();
            f.close();
            throw new IllegalStateException(failed + " of " + n + " device connections to " + host + ":" + port
                    + " failed: " + e, e);
        }
        return f;
    }

    int size() {
        return clients.size();
    }

    String product(int conn) {
        return products.get(conn);
    }

    /** QoS 1 publish of {@code payload} as device {@code product(conn)/deviceName}. */
    CompletableFuture<Mqtt3Publish> publish(int conn, String deviceName, String payload) {
        return clients.get(conn).publishWith()
                .topic("$thing/up/property/" + products.get(conn) + "/" + deviceName)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .send();
    }

    @Override
    public void close() {
        List<CompletableFuture<?>> closing = new ArrayList<>();
        for (Mqtt3AsyncClient c : clients) {
            if (c.getState().isConnected()) {
                closing.add(c.disconnect());
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the broker may already be gone
        }
    }
}
