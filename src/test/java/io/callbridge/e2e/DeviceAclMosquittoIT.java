package io.callbridge.e2e;

import io.callbridge.broker.MosquittoFiles;
import io.callbridge.sim.MqttMessages;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.Secrets;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plain Debian Mosquitto in front of CallBridge, configured with docs/brokers/mosquitto-security.conf and the
 * password file and ACL CallBridge writes from its registry (issue 8): registered devices ring, strangers and
 * wrong signatures are refused, each device is held to its own topics, nobody retains, nobody takes CallBridge's
 * client id, and re-keying or removing a device cuts it off at the next reload. Needs {@code mosquitto} and
 * {@code mosquitto_passwd} on the PATH: {@code .ci/run} installs them and runs it by name.
 */
class DeviceAclMosquittoIT {

    private static final String SERVICE_PASSWORD = "service-pw-" + System.nanoTime();
    private static final String USER = "20001";
    private static final String WEBHOOK_SECRET = "whsec_TW9zcXVpdHRvQWNsSXRXZWJob29rU2VjcmV0";

    private Process mosquitto;
    private CallBridgeProcess callbridge;
    private WebhookReceiver receiver;
    private Path files;

    @AfterEach
    void stop() throws Exception {
        if (callbridge != null) {
            callbridge.stop();
        }
        if (mosquitto != null) {
            mosquitto.destroy();
            mosquitto.waitFor();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void devicesSignInWithTheFilesCallBridgeWrites_andAreHeldToTheirOwnTopics() throws Exception {
        startMosquitto();
        receiver = WebhookReceiver.start(WEBHOOK_SECRET);
        callbridge = new CallBridgeProcess(Files.createTempDirectory("callbridge-mosquitto"), Map.of(
                "callbridge.mqtt.broker-url", "tcp://127.0.0.1:" + servicePort,
                "callbridge.mqtt.username", "callbridge",
                "callbridge.mqtt.password", SERVICE_PASSWORD,
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", WEBHOOK_SECRET,
                "callbridge.call.offline-grace", "2s"));
        callbridge.start();

        DeviceId a = CallBridgeProcess.newDevice('M');
        DeviceId b = CallBridgeProcess.newDevice('M');
        String secretA = callbridge.registerDevice(a);
        String secretB = callbridge.registerDevice(b);
        callbridge.bindUsers(a, USER);
        reloadFiles();

        // A registered device rings through Mosquitto and CallBridge.
        DeviceSim deviceA = signIn(a, secretA, "any-client-id");
        String ring = deviceA.report(1, USER);
        assertEquals(0, deviceA.awaitReply(ring).get("code").asInt());
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> receiver.eventsOfType("call.ringing").stream().anyMatch(e -> e.body().contains(a.toString())));

        // Strangers: no credentials, a wrong signature, a device nobody registered.
        assertRefused(null, null);
        assertRefused(MosquittoFiles.username(a), MosquittoFiles.password(b, secretB));
        DeviceId unknown = CallBridgeProcess.newDevice('U');
        assertRefused(MosquittoFiles.username(unknown), MosquittoFiles.password(unknown, secretA));

        // B signed in: not on A's topics, not every device's, not retained.
        MqttAsyncClient clientB = v5(b, secretB, "b");
        IMqttToken forged = clientB.publish("$thing/up/property/" + a,
                new MqttMessage("{\"method\":\"report\",\"clientToken\":\"x\",\"params\":{\"_sys_video_call_status\":0}}"
                        .getBytes(StandardCharsets.UTF_8), 1, false, null));
        forged.waitForCompletion(10_000);
        assertEquals(0x87, forged.getReasonCodes()[0], "a publish on another device's up topic");
        // Nor may it tell CallBridge, in Mosquitto's voice, that A left (presence is read from the broker's log).
        IMqttToken fakeLeave = clientB.publish(io.callbridge.mqtt.BrokerClientEvents.MOSQUITTO_LOG,
                new MqttMessage(("1: Client " + io.callbridge.thing.DeviceCredentials.clientId(a) + " disconnected.")
                        .getBytes(StandardCharsets.UTF_8), 1, false, null));
        fakeLeave.waitForCompletion(10_000);
        assertEquals(0x87, fakeLeave.getReasonCodes()[0], "a publish on Mosquitto's log topic");
        // Mosquitto grants any subscription but delivers only what the ACL lets the client read: B subscribes to
        // A's controls and to everything, A is answered, then B; B sees only its own answer.
        List<String> seenByB = new CopyOnWriteArrayList<>();
        clientB.setCallback(MqttMessages.onMessage((topic, message) -> seenByB.add(topic)));
        for (String filter : new String[] {"$thing/down/property/" + a, "$thing/up/#", "$thing/down/+/+/+", "#",
                "$thing/down/property/" + b}) {
            clientB.subscribe(filter, 1).waitForCompletion(10_000);
        }
        String toA = deviceA.report(0, USER);
        assertEquals(0, deviceA.awaitReply(toA).get("code").asInt());
        clientB.publish("$thing/up/property/" + b, new MqttMessage(("{\"method\":\"report\",\"clientToken\":\"b1\","
                + "\"params\":{\"_sys_video_call_status\":0}}").getBytes(StandardCharsets.UTF_8), 1, false, null))
                .waitForCompletion(10_000);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seenByB.isEmpty());
        // (one copy per matching subscription)
        assertEquals(Set.of("$thing/down/property/" + b), Set.copyOf(seenByB), "B reads only its own down topic");
        clientB.disconnect().waitForCompletion(10_000);
        clientB.close();
        assertRetainedCutOff(b, secretB);

        // A client id of CallBridge's is replaced by the device's own: CallBridge keeps hearing devices.
        org.eclipse.paho.client.mqttv3.MqttClient thief = v3(b, secretB, "callbridge-local-down");
        assertTrue(thief.isConnected());
        String stillHeard = deviceA.report(0, USER);
        assertEquals(0, deviceA.awaitReply(stillHeard).get("code").asInt());
        thief.disconnect();
        thief.close();

        // Re-keying A and removing B cut both off at the next reload; A's new credential works.
        String newSecretA = callbridge.registerDevice(a);
        assertEquals(204, callbridge.delete("/api/devices/" + b + "/secret").statusCode());
        reloadFiles();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !deviceA.connected());
        assertRefused(MosquittoFiles.username(a), MosquittoFiles.password(a, secretA));
        assertRefused(MosquittoFiles.username(b), MosquittoFiles.password(b, secretB));
        DeviceSim rekeyed = signIn(a, newSecretA, "door");
        String again = rekeyed.report(1, USER);
        assertEquals(0, rekeyed.awaitReply(again).get("code").asInt());

        // A leaves mid-ring: Mosquitto's log names it by its username (use_username_as_clientid); past the grace the
        // call ends OFFLINE.
        rekeyed.close();
        deviceA.close();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> "OFFLINE".equals(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(callbridge.get("/api/calls?device=" + a)
                        .body()).path("calls").path(0).path("reason").asText()));
    }

    private int devicePort;
    private int servicePort;

    private void startMosquitto() throws Exception {
        files = Files.createTempDirectory("mosquitto-files");
        Secrets.logDir(files);
        devicePort = CallBridgeProcess.freePort();
        servicePort = CallBridgeProcess.freePort();
        run("mosquitto_passwd", "-c", "-b", files.resolve("service.passwd").toString(), "callbridge", SERVICE_PASSWORD);
        Files.writeString(files.resolve("service.acl"), Files.readString(Path.of("docs/brokers/service.acl")));
        Files.writeString(files.resolve("devices.passwd"), "");
        Files.writeString(files.resolve("devices.acl"), "");
        // Beside mosquitto.conf, as docs/security.md says (its log on a topic tells CallBridge who comes and goes).
        String conf = Files.readString(Path.of("docs/brokers/mosquitto.conf")) + "\n"
                + Files.readString(Path.of("docs/brokers/mosquitto-security.conf"))
                .replace("/etc/mosquitto/callbridge/", files.toString() + "/")
                .replace("listener 1883", "listener " + devicePort + " 127.0.0.1")
                .replace("listener 1884", "listener " + servicePort);
        assertTrue(conf.contains("listener " + servicePort + " 127.0.0.1"), conf);
        Files.writeString(files.resolve("mosquitto.conf"), conf + "persistence false\n"
                // Started as root, Mosquitto would drop to user mosquitto, who cannot read the test's files.
                + "user " + System.getProperty("user.name") + "\n");
        mosquitto = new ProcessBuilder("mosquitto", "-c", files.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(files.resolve("mosquitto.log").toFile()).start();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            assertTrue(mosquitto.isAlive(), () -> "Mosquitto exited: " + log());
            return listening(devicePort) && listening(servicePort);
        });
    }

    /** What an operator's cron does: fetch both files from the management API, install them, SIGHUP Mosquitto. */
    private void reloadFiles() throws Exception {
        HttpResponse<String> passwd = callbridge.get("/api/broker/mosquitto/password-file");
        HttpResponse<String> acl = callbridge.get("/api/broker/mosquitto/acl-file");
        assertEquals(200, passwd.statusCode(), passwd.body());
        assertEquals(200, acl.statusCode(), acl.body());
        assertTrue(passwd.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Files.writeString(files.resolve("devices.passwd"), passwd.body());
        Files.writeString(files.resolve("devices.acl"), acl.body());
        int before = log().length();
        run("kill", "-HUP", String.valueOf(mosquitto.pid()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> log().substring(before).contains("Reloading"));
    }

    private String log() {
        try {
            return Files.readString(files.resolve("mosquitto.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private DeviceSim signIn(DeviceId d, String secret, String clientId) throws Exception {
        return new DeviceSim("tcp://127.0.0.1:" + devicePort, d.productId(), d.deviceName(), clientId,
                MosquittoFiles.username(d), MosquittoFiles.password(d, secret));
    }

    private MqttAsyncClient v5(DeviceId d, String secret, String clientId) throws MqttException {
        MqttAsyncClient c = new MqttAsyncClient("tcp://127.0.0.1:" + devicePort, clientId, new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setUserName(MosquittoFiles.username(d));
        o.setPassword(MosquittoFiles.password(d, secret).getBytes(StandardCharsets.UTF_8));
        c.connect(o).waitForCompletion(10_000);
        return c;
    }

    /** The platform's SDKs speak MQTT 3.1.1, where the broker answers a refused retain by closing the connection. */
    private org.eclipse.paho.client.mqttv3.MqttClient v3(DeviceId d, String secret, String clientId) throws Exception {
        var c = new org.eclipse.paho.client.mqttv3.MqttClient("tcp://127.0.0.1:" + devicePort, clientId,
                new org.eclipse.paho.client.mqttv3.persist.MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setUserName(MosquittoFiles.username(d));
        o.setPassword(MosquittoFiles.password(d, secret).toCharArray());
        c.connect(o);
        return c;
    }

    private void assertRetainedCutOff(DeviceId d, String secret) throws Exception {
        var c = v3(d, secret, "retainer");
        assertThrows(org.eclipse.paho.client.mqttv3.MqttException.class, () -> c.publish("$thing/up/property/" + d,
                "{\"method\":\"report\",\"params\":{}}".getBytes(StandardCharsets.UTF_8), 1, true),
                "Mosquitto closes the connection instead of taking a retained message");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !c.isConnected());
        c.close(true);
    }

    /** Mosquitto 2.0 refuses missing and wrong credentials alike as "not authorised" (0x87). */
    private void assertRefused(String username, String password) {
        MqttException e = assertThrows(MqttException.class, () -> {
            MqttClient c = new MqttClient("tcp://127.0.0.1:" + devicePort, "stranger", new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            if (username != null) {
                o.setUserName(username);
                o.setPassword(password.getBytes(StandardCharsets.UTF_8));
            }
            c.connect(o);
        });
        assertEquals(0x87, e.getReasonCode(), e.toString());
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }
}
