package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A device on a real MQTT 5 broker, as the platform's SDK behaves: reports on its up topic, listens on its down
 * topic at QoS 0, answers controls if asked to.
 */
public final class DeviceSim implements AutoCloseable {

    public static final String UA = "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String productId;
    private final String deviceName;
    private final MqttClient client;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokens = new AtomicInteger();
    private static final AtomicInteger FORMS = new AtomicInteger();

    /** A device that connects without credentials (a broker that does not authenticate devices). */
    public DeviceSim(String brokerUrl, String productId, String deviceName) throws MqttException {
        this(brokerUrl, productId, deviceName, productId + deviceName + "-" + UUID.randomUUID().toString().substring(0, 8),
                null, null);
    }

    /** A device that signs in as the platform's SDKs do: client id {@code {P}{D}}, their username and password. */
    public DeviceSim(String brokerUrl, String productId, String deviceName, String clientId, String username,
            String password) throws MqttException {
        this.productId = productId;
        this.deviceName = deviceName;
        client = new MqttClient(brokerUrl, clientId, new MemoryPersistence());
        client.setCallback(io.callbridge.sim.MqttMessages.onMessage(
                (topic, message) -> received.add(JSON.readTree(message.getPayload()))));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        if (username != null) {
            options.setUserName(username);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        client.connect(options);
        client.subscribe(downTopic(), 0);
    }

    /** A device with a fresh random product id, so runs on a shared broker never see each other's messages. */
    public static DeviceSim random(String brokerUrl) throws MqttException {
        return new DeviceSim(brokerUrl, randomProductId(), "device01");
    }

    /**
     * A fresh device registered with CallBridge's management API (RestAssured's default base) under a new secret,
     * signed in with the platform's credentials made from it, in the C SDK's form or the Java SDK's by turns.
     */
    public static DeviceSim registered(String brokerUrl) throws MqttException {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return registered(brokerUrl, java.util.Base64.getEncoder().encodeToString(key));
    }

    /** As above, with this secret (base64). */
    public static DeviceSim registered(String brokerUrl, String secret) throws MqttException {
        DeviceId device = new DeviceId(randomProductId(), "device01");
        AppClient.registerSecret(device.toString(), secret);
        return signedIn(brokerUrl, device, secret,
                FORMS.getAndIncrement() % 2 == 0 ? DeviceCredentials.Form.HMAC_SHA1 : DeviceCredentials.Form.HMAC_SHA256);
    }

    /** The device, already registered with {@code secret}, signing in with credentials valid for ten minutes. */
    public static DeviceSim signedIn(String brokerUrl, DeviceId device, String secret, DeviceCredentials.Form form)
            throws MqttException {
        String username = DeviceCredentials.username(device, form, UUID.randomUUID().toString().substring(0, 5),
                String.valueOf(System.currentTimeMillis() / 1000 + 600));
        return new DeviceSim(brokerUrl, device.productId(), device.deviceName(), DeviceCredentials.clientId(device),
                username, Secrets.used(DeviceCredentials.password(username, Secrets.used(secret), form)));
    }

    public static String randomProductId() {
        return "P" + UUID.randomUUID().toString().replace("-", "").substring(0, 9).toUpperCase();
    }

    public String id() {
        return productId + "/" + deviceName;
    }

    public String productId() {
        return productId;
    }

    public String deviceName() {
        return deviceName;
    }

    public String upTopic() {
        return "$thing/up/property/" + id();
    }

    public String downTopic() {
        return "$thing/down/property/" + id();
    }

    /** The seed's call properties for this device calling {@code users}, with the given status. */
    public ObjectNode callParams(int status, String users) {
        ObjectNode p = JSON.createObjectNode();
        p.put("_sys_video_call_status", status);
        p.put("_sys_userid", users);
        p.put("_sys_caller_id", id());
        p.put("_sys_called_id", users);
        p.put("_sys_user_agent", UA);
        return p;
    }

    /** The device's status in a call {@code user} placed to it: 1 accepts, 0 refuses or hangs up, 2 in call. */
    public String answerCall(int status, String user) {
        return report(callParams(status, user).put("_sys_caller_id", user).put("_sys_called_id", id()));
    }

    /** Publishes a report with these params; returns its clientToken. */
    public String report(ObjectNode params) {
        return report(params, System.currentTimeMillis());
    }

    /** Publishes a report stamped with the given device time (milliseconds); returns its clientToken. */
    public String report(ObjectNode params, long timestamp) {
        String token = productId + deviceName + "-" + tokens.incrementAndGet();
        ObjectNode report = JSON.createObjectNode();
        report.put("method", "report");
        report.put("clientToken", token);
        report.put("timestamp", timestamp);
        report.set("params", params);
        publish(report.toString());
        return token;
    }

    public String report(int status, String users) {
        return report(callParams(status, users));
    }

    public void publish(String payload) {
        try {
            client.publish(upTopic(), payload.getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (MqttException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the reply to the message with this clientToken. */
    public JsonNode awaitReply(String clientToken) {
        return await(m -> clientToken.equals(m.path("clientToken").asText(null)) && m.path("method").asText().endsWith("_reply"));
    }

    /** Waits for a control with this status; answers it when asked to. */
    public JsonNode awaitControl(int status) {
        return await(m -> "control".equals(m.path("method").asText())
                && m.path("params").path("_sys_video_call_status").asInt(-1) == status);
    }

    /** Waits for a message matching the predicate and takes it, so the next wait finds the next one. */
    public JsonNode await(Predicate<JsonNode> match) {
        return Inbox.take(received, match, Duration.ofSeconds(15));
    }

    public List<JsonNode> received() {
        return new ArrayList<>(received);
    }

    public void send(String method, Map<String, Object> fields) {
        ObjectNode m = JSON.valueToTree(fields);
        m.put("method", method);
        publish(m.toString());
    }

    /** Whether the broker still has it connected (a broker cuts off a device whose credentials it no longer takes). */
    public boolean connected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        } catch (MqttException e) {
            // closing anyway
        }
    }
}
