package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.testing.SdkDevice;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded broker as the README starts it, tried as an attacker would (issue 8): devices sign in the
 * platform's way, each stays on its own topics, nobody retains or takes CallBridge's client ids, and a rotated
 * secret cuts off what was made from the old one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerSecurityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String CLIENT_ID = "callbridge-security-it";
    /** MQTT 5's "bad user name or password"; MQTT 3.1.1's is return code 4. */
    private static final int BAD_CREDENTIALS = 0x86;
    private static final int NOT_AUTHORIZED = 0x87;

    private WebhookReceiver receiver;
    private CallBridgeProcess callbridge;
    private String url;

    @BeforeAll
    void start() throws Exception {
        receiver = WebhookReceiver.start(WEBHOOK_SECRET);
        int port = CallBridgeProcess.freePort();
        url = "tcp://127.0.0.1:" + port;
        callbridge = new CallBridgeProcess(Files.createTempDirectory("callbridge-security"), Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(port),
                "callbridge.mqtt.client-id", CLIENT_ID,
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", WEBHOOK_SECRET)).start();
    }

    @AfterAll
    void stop() throws Exception {
        callbridge.stop();
        receiver.close();
        assertFalse(callbridge.log().contains("ANONYMOUS DEVICES ARE ON"), "off unless configured");
    }

    /** What the platform's device SDKs do: MQTT 3.1.1, client id {P}{D}, either credential form. */
    @Test
    void devicesOfThePlatformsSdksSignInInBothForms_andRing() throws Exception {
        for (DeviceCredentials.Form form : DeviceCredentials.Form.values()) {
            DeviceId device = CallBridgeProcess.newDevice('S');
            String secret = callbridge.registerDevice(device);
            try (SdkDevice sdk = SdkDevice.connect(url, device, secret, form)) {
                sdk.publish("{\"method\":\"report\",\"clientToken\":\"t-1\",\"params\":{\"battery\":80}}");
                JsonNode reply = sdk.next();
                assertEquals("report_reply", reply.path("method").asText(), form + ": " + reply);
                assertEquals(0, reply.path("code").asInt(), form + ": " + reply);
            }
        }
    }

    @Test
    void strangersAreRefusedWithBadCredentials() throws Exception {
        DeviceId a = CallBridgeProcess.newDevice('S');
        DeviceId b = CallBridgeProcess.newDevice('S');
        String secretA = callbridge.registerDevice(a);
        String secretB = callbridge.registerDevice(b);
        String other = CallBridgeProcess.randomSecret();
        String clientA = DeviceCredentials.clientId(a);

        assertRefused(() -> connect(clientA, null, null), "anonymous");
        assertRefused(() -> connect(clientA, signed(a, other, 600)), "wrong signature");
        DeviceId unknown = CallBridgeProcess.newDevice('S');
        assertRefused(() -> connect(DeviceCredentials.clientId(unknown), signed(unknown, other, 600)), "unknown device");
        assertRefused(() -> connect(clientA, signed(b, secretB, 600)), "someone else's credentials for A's client id");
        assertRefused(() -> connect(DeviceCredentials.clientId(b), signed(a, secretA, 600)), "A's credentials as B");
        assertRefused(() -> connect(clientA, signed(a, secretA, -60)), "expired");
        assertRefused(() -> connect(clientA, new String[] {"callbridge", "guess"}), "a guessed service password");

        // The platform's SDKs speak MQTT 3.1.1: there the refusal is return code 4.
        MqttSecurityException v3 = assertThrows(MqttSecurityException.class,
                () -> SdkDevice.connect(url, a, other, DeviceCredentials.Form.HMAC_SHA1).close());
        assertEquals(MqttSecurityException.REASON_CODE_FAILED_AUTHENTICATION, v3.getReasonCode());

        assertAnswered(a, secretA);
    }

    @Test
    void aThiefOfCallBridgesClientIdsIsRefused_andCallBridgeKeepsAnswering() throws Exception {
        DeviceId a = CallBridgeProcess.newDevice('S');
        String secretA = callbridge.registerDevice(a);
        for (String stolen : List.of(CLIENT_ID + "-down", CLIENT_ID + "-up")) {
            assertRefused(() -> connect(stolen, null, null), "anonymous " + stolen);
            assertRefused(() -> connect(stolen, signed(a, secretA, 600)), "a device's credentials as " + stolen);
        }
        assertAnswered(a, secretA);
        assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(
                callbridge.work().resolve("data/broker/service-password")), "the service password is its owner's alone");
    }

    @Test
    void aDeviceStaysOnItsOwnTopics_andRetainsNothing() throws Exception {
        DeviceId a = CallBridgeProcess.newDevice('S');
        DeviceId b = CallBridgeProcess.newDevice('S');
        String secretA = callbridge.registerDevice(a);
        String secretB = callbridge.registerDevice(b);
        try (DeviceSim deviceB = DeviceSim.signedIn(url, b, secretB, DeviceCredentials.Form.HMAC_SHA256)) {
            MqttAsyncClient attacker = connectAsync(DeviceCredentials.clientId(a), signed(a, secretA, 600));
            try {
                for (String filter : List.of("$thing/up/#", "$thing/up/property/" + b, "$thing/down/property/" + b,
                        "$thing/down/#", "#", "$share/g/$thing/up/property/+/+", "$thing/callbridge/push/+/+",
                        "$thing/down/event/" + b)) {
                    IMqttToken sub = attacker.subscribe(new MqttSubscription(filter, 1));
                    sub.waitForCompletion(10_000);
                    assertTrue(sub.getReasonCodes()[0] >= 0x80, filter + " was granted: " + sub.getReasonCodes()[0]);
                }
                String ring = "{\"method\":\"report\",\"clientToken\":\"forged\",\"params\":{\"_sys_video_call_status\":1,"
                        + "\"_sys_userid\":\"20001\"}}";
                String control = "{\"method\":\"control\",\"params\":{}}";
                String[] credentialsA = signed(a, secretA, 600);
                String clientA = DeviceCredentials.clientId(a);
                assertPublishRefused(clientA, credentialsA, "$thing/up/property/" + b, ring, false);
                assertPublishRefused(clientA, credentialsA, "$thing/down/property/" + b, control, false);
                assertPublishRefused(clientA, credentialsA, "$thing/up/property/" + a, ring, true);
                assertPublishRefused(clientA, credentialsA, "$thing/down/property/" + b, control, true);
                // Nor may it forge another device's event, or an app push that instances relay to each other.
                assertPublishRefused(clientA, credentialsA, "$thing/up/event/" + b, ring, false);
                assertPublishRefused(clientA, credentialsA, "$thing/callbridge/push/" + b, ring, false);
            } finally {
                close(attacker);
            }
            var calls = callbridge.get("/api/calls?device=" + b);
            assertEquals(200, calls.statusCode(), calls.body());
            assertEquals(0, JSON.readTree(calls.body()).path("calls").size(), "no call was forged for B: " + calls.body());
            assertTrue(deviceB.received().isEmpty(), "B got no forged control: " + deviceB.received());
        }
        // A retained control would reach B on its next subscribe: none is there.
        try (DeviceSim again = DeviceSim.signedIn(url, b, secretB, DeviceCredentials.Form.HMAC_SHA1)) {
            assertEquals(0, again.awaitReply(again.report(0, "20001")).path("code").asInt());
            assertTrue(again.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())));
        }
    }

    @Test
    void rotatingOrRevokingTheSecretCutsOffTheOldCredentials() throws Exception {
        DeviceId a = CallBridgeProcess.newDevice('S');
        String oldSecret = callbridge.registerDevice(a);
        String[] old = signed(a, oldSecret, 600);
        MqttClient connected = connect(DeviceCredentials.clientId(a), old);
        try {
            String newSecret = CallBridgeProcess.randomSecret();
            var put = callbridge.put("/api/devices/" + a + "/secret", "{\"secret\":\"" + newSecret + "\"}");
            assertEquals(200, put.statusCode(), put.body());
            Awaitility.await("the connection made with the old secret is closed").atMost(Duration.ofSeconds(10))
                    .until(() -> !connected.isConnected());
            assertRefused(() -> connect(DeviceCredentials.clientId(a), old), "credentials of the old secret");
            assertAnswered(a, newSecret);

            assertEquals(204, callbridge.delete("/api/devices/" + a + "/secret").statusCode());
            assertRefused(() -> connect(DeviceCredentials.clientId(a), signed(a, newSecret, 600)), "revoked");
        } finally {
            connected.close();
        }
    }

    /** {P}{D} must name one device: A/BCD and AB/CD would sign in with the same client id. */
    @Test
    void twoDevicesWithTheSameClientIdCannotBothBeRegistered() throws Exception {
        String tag = UUID.randomUUID().toString().replace("-", "").substring(0, 6).toUpperCase();
        DeviceId first = new DeviceId("X" + tag, "AB" + "door");
        DeviceId second = new DeviceId("X" + tag + "AB", "door");
        assertEquals(DeviceCredentials.clientId(first), DeviceCredentials.clientId(second));
        callbridge.registerDevice(first);
        var taken = callbridge.put("/api/devices/" + second + "/secret", "{\"secret\":\"" + CallBridgeProcess.randomSecret() + "\"}");
        assertEquals(409, taken.statusCode(), taken.body());
        assertTrue(taken.body().contains(first.toString()), taken.body());
    }

    // ---- helpers ----

    private void assertAnswered(DeviceId device, String secret) throws Exception {
        try (DeviceSim d = DeviceSim.signedIn(url, device, secret, DeviceCredentials.Form.HMAC_SHA1)) {
            assertEquals(0, d.awaitReply(d.report(0, "20001")).path("code").asInt(), "CallBridge still answers");
        }
    }

    /**
     * A QoS 1 publish the broker does not authorize is delivered nowhere, and its publisher is cut off: HiveMQ
     * disconnects it with reason 0x87 "not authorized" (or, where it keeps it, answers PUBACK 0x87).
     */
    private void assertPublishRefused(String clientId, String[] credentials, String topic, String payload,
            boolean retained) throws MqttException {
        MqttAsyncClient client = connectAsync(clientId, credentials);
        try {
            org.eclipse.paho.mqttv5.common.MqttMessage m = new org.eclipse.paho.mqttv5.common.MqttMessage(
                    payload.getBytes(StandardCharsets.UTF_8), 1, retained, null);
            String what = topic + (retained ? " (retained)" : "");
            try {
                IMqttToken token = client.publish(topic, m);
                token.waitForCompletion(10_000);
                int[] codes = token.getReasonCodes();
                assertTrue(codes != null && codes.length > 0 && codes[0] == NOT_AUTHORIZED, what + " was accepted");
            } catch (MqttException e) {
                assertTrue(e.getReasonCode() == NOT_AUTHORIZED || String.valueOf(e.getMessage()).contains("RC: 135"),
                        what + ": " + e);
            }
        } finally {
            close(client);
        }
    }

    /** The broker may have cut the client off at any moment before: no DISCONNECT handshake is waited for. */
    private static void close(MqttAsyncClient client) throws MqttException {
        if (client.isConnected()) {
            client.disconnectForcibly(0, 1_000, false);
        }
        client.close(true);
    }

    private static void assertRefused(ThrowingConnect connect, String what) {
        MqttException e = assertThrows(MqttException.class, () -> connect.run().close(), what + " was let in");
        assertEquals(BAD_CREDENTIALS, e.getReasonCode(), what + ": " + e);
    }

    @FunctionalInterface
    private interface ThrowingConnect {
        MqttClient run() throws Exception;
    }

    private MqttClient connect(String clientId, String username, String password) throws MqttException {
        MqttClient c = new MqttClient(url, clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        if (username != null) {
            o.setUserName(username);
        }
        if (password != null) {
            o.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        try {
            c.connect(o);
        } catch (MqttException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private MqttAsyncClient connectAsync(String clientId, String[] credentials) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient(url, clientId, new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setUserName(credentials[0]);
        o.setPassword(credentials[1].getBytes(StandardCharsets.UTF_8));
        c.connect(o).waitForCompletion(10_000);
        return c;
    }

    private MqttClient connect(String clientId, String[] credentials) throws MqttException {
        return connect(clientId, credentials[0], credentials[1]);
    }

    private static String[] signed(DeviceId device, String secret, long validForSeconds) {
        String username = DeviceCredentials.username(device, DeviceCredentials.Form.HMAC_SHA256, "c0nn1",
                String.valueOf(System.currentTimeMillis() / 1000 + validForSeconds));
        return new String[] {username, DeviceCredentials.password(username, secret)};
    }
}
