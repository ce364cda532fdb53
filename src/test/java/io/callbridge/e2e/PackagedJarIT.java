package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar started the way the README starts it, with its embedded broker and database: a whole call
 * goes through it, then a route file is edited and the restarted jar runs the edited route, with no rebuild.
 */
class PackagedJarIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /** base64 of 32 bytes, as the platform shows a device secret. */
    private static final String DEVICE_SECRET = "q1cVZbD8yVn1Vb7hY0o3mJm9t0kq2bX4t6Ck8w3r6QU=";

    private WebhookReceiver receiver;
    private CallBridgeProcess callbridge;
    private int mqttPort;

    @BeforeEach
    void setUp() throws Exception {
        receiver = WebhookReceiver.start(SECRET);
        mqttPort = CallBridgeProcess.freePort();
        callbridge = new CallBridgeProcess(Files.createTempDirectory("callbridge-jar"), Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(mqttPort),
                "callbridge.auth.tokens.demo-token", "20001",
                "callbridge.admin.token", "demo-admin",
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", SECRET));
    }

    @AfterEach
    void tearDown() throws Exception {
        callbridge.stop();
        receiver.close();
    }

    @Test
    void aWholeCallThroughTheJarAndAnEditedRouteAfterARestart() throws Exception {
        callbridge.start();
        assertTrue(callbridge.log().contains("devices connect to tcp://127.0.0.1:" + mqttPort), callbridge.log());
        // The operator registers the doorbell; it signs in as the C SDK does.
        DeviceId id = new DeviceId("PJAR" + Long.toHexString(System.nanoTime() & 0xffffffL).toUpperCase(), "door01");
        var registered = callbridge.put("/api/devices/" + id + "/secret", "{\"secret\":\"" + DEVICE_SECRET + "\"}");
        assertEquals(200, registered.statusCode(), registered.body());
        try (DeviceSim device = DeviceSim.signedIn("tcp://127.0.0.1:" + mqttPort, id, DEVICE_SECRET,
                DeviceCredentials.Form.HMAC_SHA1)) {
            JsonNode reply = device.awaitReply(device.report(1, "20001"));
            assertEquals(0, reply.path("code").asInt());
            awaitEvent(device, "call.ringing");
            String answer = accept(device);
            assertFalse(answer.contains("Error"), answer);
            device.awaitControl(1);
            device.awaitReply(device.report(2, "20001"));
            device.awaitReply(device.report(0, "20001"));
            JsonNode ended = awaitEvent(device, "call.ended");
            assertEquals("HANGUP", ended.path("data").path("reason").asText());
            assertTrue(receiver.received().stream().allMatch(WebhookReceiver.Received::verified));

            // The record, for the operator only.
            String records = "/api/calls?device=" + device.id();
            var record = callbridge.get(records);
            assertEquals(200, record.statusCode(), record.body());
            assertTrue(record.body().contains("\"reason\":\"HANGUP\""), record.body());
            var anonymous = callbridge.getAnonymously(records);
            assertEquals(401, anonymous.statusCode());
            assertTrue(anonymous.body().contains("Authorization: Bearer"), anonymous.body());
        }
        assertFalse(callbridge.log().contains("EDITED-ROUTE"));
        callbridge.stop();

        // The integrator's edit: a different log line in the step 4.1 route, no rebuild.
        Path route = callbridge.work().resolve("routes/device-control.camel.yaml");
        String yaml = Files.readString(route);
        assertTrue(yaml.contains("Control to ${header.CallBridgeDevice}"), "the route file the README describes");
        Files.writeString(route, yaml.replace("Control to ${header.CallBridgeDevice}",
                "EDITED-ROUTE control to ${header.CallBridgeDevice}"));

        // And an operator who set no management token: the management API stays closed, saying why.
        callbridge.property("callbridge.admin.token", "");
        callbridge.start();
        var closed = callbridge.get("/api/calls");
        assertEquals(401, closed.statusCode());
        assertTrue(closed.body().contains("set callbridge.admin.token"), closed.body());
        try (DeviceSim device = DeviceSim.signedIn("tcp://127.0.0.1:" + mqttPort, id, DEVICE_SECRET,
                DeviceCredentials.Form.HMAC_SHA256)) {
            device.awaitReply(device.report(1, "20001"));
            awaitEvent(device, "call.ringing");
            accept(device);
            device.awaitControl(1);
            Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> callbridge.log().contains("EDITED-ROUTE control to " + device.id()));
        }
    }

    private String accept(DeviceSim device) throws Exception {
        var response = callbridge.post("/api/exploreropen/tokenapi", AppClient.envelope("AppControlDeviceData",
                "demo-token", device).put("Data", AppClient.data(device, 1, "20001").toString()).toString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private JsonNode awaitEvent(DeviceSim device, String type) {
        JsonNode[] found = new JsonNode[1];
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
            for (WebhookReceiver.Received r : receiver.received()) {
                if (type.equals(r.type()) && device.id().equals(r.json().path("data").path("device").asText())) {
                    found[0] = r.json();
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }
}
