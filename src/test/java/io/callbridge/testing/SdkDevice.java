package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A device as the platform's SDKs make it: MQTT 3.1.1 through Paho's v3 client (the Java SDK is built on it), client
 * id {@code {P}{D}}, the SDK's signed credentials, its down topic subscribed at QoS 0, a clean session each time.
 */
public final class SdkDevice implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Added to each message received: the topic it came on. */
    public static final String TOPIC = "_topic";

    private final MqttClient client;
    private final DeviceId device;
    private final List<JsonNode> down = new CopyOnWriteArrayList<>();

    private SdkDevice(MqttClient client, DeviceId device) {
        this.client = client;
        this.device = device;
    }

    /** Signs in with the C SDK's "never expires" credential (HMAC-SHA1) or the Java SDK's ten-minute one. */
    public static SdkDevice connect(String url, DeviceId device, String secret, DeviceCredentials.Form form)
            throws MqttException {
        String expiry = form == DeviceCredentials.Form.HMAC_SHA1 ? "4294967295"
                : String.valueOf(System.currentTimeMillis() / 1000 + 600);
        String username = DeviceCredentials.username(device, form, "ab12c", expiry);
        MqttClient client = new MqttClient(url, DeviceCredentials.clientId(device), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setUserName(username);
        o.setPassword(Secrets.used(DeviceCredentials.password(username, secret, form)).toCharArray());
        try {
            client.connect(o);
        } catch (MqttException e) {
            client.close();
            throw e;
        }
        SdkDevice sdk = new SdkDevice(client, device);
        // As the SDKs do: every down topic of the device, at QoS 0. Each message is noted with the topic it came on.
        for (String kind : List.of("property", "event", "action", "service")) {
            client.subscribe("$thing/down/" + kind + "/" + device, 0, sdk::arrived);
        }
        return sdk;
    }

    /** Stops listening on the property down topic, as if what comes there were lost (QoS 0 on a poor link). */
    public void deafen() throws MqttException {
        client.unsubscribe("$thing/down/property/" + device);
    }

    /** Listens on the property down topic again. */
    public void listen() throws MqttException {
        client.subscribe("$thing/down/property/" + device, 0, this::arrived);
    }

    private void arrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) throws Exception {
        JsonNode m = JSON.readTree(message.getPayload());
        if (m instanceof com.fasterxml.jackson.databind.node.ObjectNode noted) {
            noted.put(TOPIC, topic);
        }
        down.add(m);
    }

    public DeviceId device() {
        return device;
    }

    /** Publishes on the device's up property topic at QoS 1, as the SDKs publish reports. */
    public void publish(String json) throws MqttException {
        publish("property", json);
    }

    /** Publishes on the device's up topic of this kind ({@code property}, {@code event}, {@code action}). */
    public void publish(String kind, String json) throws MqttException {
        client.publish("$thing/up/" + kind + "/" + device, json.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    /** The next message on the down topic, whatever it is. */
    public JsonNode next() {
        return await(m -> true);
    }

    /** Waits for a down message matching the predicate and takes it (those before it stay). */
    public JsonNode await(Predicate<JsonNode> match) {
        return Inbox.take(down, match, Duration.ofSeconds(15));
    }

    /** The answer to the message with this clientToken. */
    public JsonNode reply(String clientToken) {
        return await(m -> clientToken.equals(m.path("clientToken").asText(null)) && m.has("code"));
    }

    /** What has arrived and not been taken. */
    public List<JsonNode> pending() {
        return List.copyOf(down);
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
