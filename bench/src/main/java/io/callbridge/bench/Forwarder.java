package io.callbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * The naive, stateless forwarder the harness measures CallBridge against: every report on the device topics
 * gets a report_reply on the device's down topic and one signed {@code call.ringing} webhook. No state, no
 * retries, no database. Run as its own JVM: {@code java -cp callbridge-bench.jar io.callbridge.bench.Forwarder
 * <broker-url> <webhook-url> <whsec_secret>}; prints READY once subscribed.
 */
public final class Forwarder {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String broker = args[0];
        URI webhook = URI.create(args[1]);
        byte[] key = Webhooks.key(args[2]);
        String id = "forwarder-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicLong httpErrors = new AtomicLong();
        Map<String, LongAdder> failures = new ConcurrentHashMap<>();

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();

        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        options.setKeepAliveInterval(30);

        // One connection publishes the replies, another receives the reports.
        MqttAsyncClient out = new MqttAsyncClient(broker, id + "-out", new MemoryPersistence());
        out.connect(options).waitForCompletion(10_000);

        MqttClient in = new MqttClient(broker, id + "-in", new MemoryPersistence());
        in.setCallback(new MqttCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                // $thing/up/property/P/D
                String[] t = topic.split("/");
                if (t.length != 5) {
                    return;
                }
                String device = t[3] + "/" + t[4];
                JsonNode report;
                try {
                    report = JSON.readTree(message.getPayload());
                } catch (Exception e) {
                    return;
                }
                if (report == null || !"report".equals(report.path("method").asText())) {
                    return;
                }
                JsonNode token = report.get("clientToken");

                ObjectNode reply = JSON.createObjectNode();
                reply.put("method", "report_reply");
                reply.set("clientToken", token);
                reply.put("code", 0);
                reply.put("status", "success");
                publish(out, "$thing/down/property/" + device, reply.toString().getBytes(StandardCharsets.UTF_8));

                ObjectNode body = JSON.createObjectNode();
                body.put("type", "call.ringing");
                body.put("timestamp", Instant.now().toString());
                ObjectNode data = body.putObject("data");
                data.put("device", device);
                data.set("clientToken", token);
                data.set("params", report.get("params"));
                byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
                String msgId = "msg_" + UUID.randomUUID();
                long now = System.currentTimeMillis() / 1000;
                HttpRequest request = HttpRequest.newBuilder(webhook)
                        .timeout(Duration.ofSeconds(5))
                        .header("content-type", "application/json")
                        .header("webhook-id", msgId)
                        .header("webhook-timestamp", Long.toString(now))
                        .header("webhook-signature", Webhooks.sign(key, msgId, now, bytes))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build();
                http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                    if (e != null || r.statusCode() / 100 != 2) {
                        Throwable cause = e != null && e.getCause() != null ? e.getCause() : e;
                        String why = cause != null ? cause.getClass().getSimpleName() : "HTTP " + r.statusCode();
                        failures.computeIfAbsent(why, k -> new LongAdder()).increment();
                        if (httpErrors.incrementAndGet() % 1000 == 1) {
                            System.err.println("webhook failed: " + (cause != null ? cause : why));
                        }
                    }
                });
            }

            @Override
            public void disconnected(MqttDisconnectResponse response) {
                System.err.println("disconnected: " + response);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
                System.err.println("mqtt error: " + exception);
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        in.connect(options);
        in.subscribe("$thing/up/property/+/+", 1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (httpErrors.get() > 0) {
                System.err.println("webhooks failed: " + httpErrors.get() + " " + failures);
            }
            try {
                in.disconnect();
                out.disconnect().waitForCompletion(2_000);
            } catch (Exception ignored) {
                // stopping anyway
            }
        }));
        System.out.println("READY subscribed to $thing/up/property/+/+ on " + broker);
        System.out.flush();
        Thread.currentThread().join();
    }

    /** Asynchronous QoS 1 publish; when Paho's in-flight window is full, wait a little and try again. */
    private static void publish(MqttAsyncClient out, String topic, byte[] payload) {
        for (int attempt = 0; attempt < 5000; attempt++) {
            try {
                out.publish(topic, payload, 1, false);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                    System.err.println("publish failed: " + e);
                    return;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        System.err.println("publish gave up: in-flight window stayed full");
    }
}
