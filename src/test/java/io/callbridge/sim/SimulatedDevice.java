package io.callbridge.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A doorbell: the thing model over MQTT (reports up, replies and controls down) and a link to the P2P relay. */
public final class SimulatedDevice implements AutoCloseable {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    private final String id;
    private final MqttClient mqtt;
    private final WsPeer relay;
    private final List<JsonNode> down = new ArrayList<>();
    private final AtomicInteger tokens = new AtomicInteger();

    /** A device that signs in to the broker and the relay with the platform's credentials made from {@code secret}. */
    public SimulatedDevice(String mqttUrl, String relayUrl, String id, String secret) throws Exception {
        this.id = id;
        DeviceId device = DeviceId.parse(id);
        mqtt = new MqttClient(mqttUrl, DeviceCredentials.clientId(device), new MemoryPersistence());
        mqtt.setCallback(MqttMessages.onMessage((topic, message) -> {
            JsonNode m = JSON.readTree(message.getPayload());
            synchronized (down) {
                down.add(m);
                down.notifyAll();
            }
        }));
        // Signed in as the C SDK does on a broker that authenticates devices (CallBridge's embedded one does).
        MqttConnectionOptions options = new MqttConnectionOptions();
        String username = DeviceCredentials.username(device, DeviceCredentials.Form.HMAC_SHA1,
                UUID.randomUUID().toString().substring(0, 5), String.valueOf(System.currentTimeMillis() / 1000 + 600));
        options.setUserName(username);
        options.setPassword(DeviceCredentials.password(username, secret, DeviceCredentials.Form.HMAC_SHA1)
                .getBytes(StandardCharsets.UTF_8));
        mqtt.connect(options);
        mqtt.subscribe("$thing/down/property/" + id, 0);
        relay = new WsPeer(relayUrl + "/p2p/device/" + id, basic(device, secret));
    }

    /** The Authorization header of the relay's upgrade: credentials valid for ten minutes. */
    public static String basic(DeviceId device, String secret) {
        String username = DeviceCredentials.username(device, UUID.randomUUID().toString().substring(0, 5),
                System.currentTimeMillis() / 1000 + 600);
        String credentials = username + ":" + DeviceCredentials.password(username, secret);
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes a report and waits for its report_reply. */
    public JsonNode report(ObjectNode params, Duration wait) throws Exception {
        String token = id.replace("/", "") + "-" + tokens.incrementAndGet();
        ObjectNode report = JSON.createObjectNode().put("method", "report").put("clientToken", token)
                .put("timestamp", System.currentTimeMillis());
        report.set("params", params);
        mqtt.publish("$thing/up/property/" + id, report.toString().getBytes(StandardCharsets.UTF_8), 1, false);
        return awaitDown(m -> token.equals(m.path("clientToken").asText()), "report_reply to " + token, wait);
    }

    public JsonNode awaitControl(int status, Duration wait) throws InterruptedException {
        return awaitDown(m -> "control".equals(m.path("method").asText())
                && m.path("params").path("_sys_video_call_status").asInt(-1) == status, "control " + status, wait);
    }

    /** Waits for the relay's command and answers it. */
    void answerCommand(String answer, Duration wait) throws InterruptedException {
        JsonNode command = relay.await("command", wait);
        relay.send(JSON.createObjectNode().put("type", "answer").put("id", command.path("id").asText())
                .put("answer", answer).toString());
    }

    void awaitStreamOpen(Duration wait) throws InterruptedException {
        relay.await("stream-open", wait);
    }

    public void sendStream(byte[] flv) {
        relay.sendBinary(flv);
    }

    void awaitVoiceOpen(Duration wait) throws InterruptedException {
        relay.await("voice-open", wait);
    }

    public void awaitVoiceBytes(int count, Duration wait) throws InterruptedException {
        relay.awaitBytes(count, wait);
    }

    /** Step 8.1: the doorbell hangs up its voice request. */
    public void closeVoice() {
        relay.send("{\"type\":\"voice-close\"}");
    }

    public JsonNode awaitVoiceClose(Duration wait) throws InterruptedException {
        return relay.await("voice-close", wait);
    }

    private JsonNode awaitDown(Predicate<JsonNode> match, String what, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (down) {
            while (true) {
                for (JsonNode m : down) {
                    if (match.test(m)) {
                        down.remove(m);
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("no " + what + " within " + wait.toSeconds() + " s; got " + down);
                }
                TimeUnit.NANOSECONDS.timedWait(down, left);
            }
        }
    }

    @Override
    public void close() throws Exception {
        relay.close();
        if (mqtt.isConnected()) {
            mqtt.disconnect();
        }
        mqtt.close();
    }
}
