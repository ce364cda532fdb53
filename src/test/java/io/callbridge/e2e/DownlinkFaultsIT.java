package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.broker.EmbeddedBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.FaultyBroker;
import io.callbridge.testing.HealthWatch;
import io.callbridge.testing.WebhookReceiver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker refuses what CallBridge publishes (PUBACK 0x80, nothing delivered), as a broker in trouble does:
 * replies and controls wait and are sent again, each reaches its device once, and health says DOWN while
 * nothing gets out and UP again after. The packaged jar runs as a process; the broker is a HiveMQ in this JVM
 * with an interceptor the test switches on and off.
 */
class DownlinkFaultsIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;

    private FaultyBroker broker;
    private WebhookReceiver receiver;
    private CallBridgeProcess callbridge;
    private final List<DeviceSim> devices = new ArrayList<>();
    private final String clientId = "it-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void setUp() throws Exception {
        broker = new FaultyBroker(dir.resolve("broker"), EmbeddedBroker.Options.HIVEMQ_DEFAULTS);
        receiver = WebhookReceiver.start(SECRET);
        callbridge = new CallBridgeProcess(dir.resolve("callbridge"), Map.of(
                "callbridge.mqtt.broker-url", broker.url(),
                "callbridge.mqtt.client-id", clientId,
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", SECRET,
                "callbridge.auth.tokens.token-20001", "20001")).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        devices.forEach(DeviceSim::close);
        if (callbridge != null) {
            callbridge.stop();
        }
        receiver.close();
        broker.close();
    }

    @Test
    void aDownlinkThatRefusesPublishesForAWhileLosesNothingAndHealthSaysSo() throws Exception {
        try (HealthWatch health = new HealthWatch(callbridge.baseUrl())) {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> health.last() != null);
            DeviceSim answered = device();
            String ringToken = answered.report(1, "20001");
            answered.awaitReply(ringToken);
            awaitEvent(answered, "call.ringing");

            long refusing = System.currentTimeMillis();
            broker.refuseFrom(clientId + "-down");
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                DeviceSim d = device();
                tokens.add(d.report(1, "20001"));
            }
            String accepted = callbridge.post("/api/exploreropen/tokenapi", AppClient.envelope("AppControlDeviceData",
                    "token-20001", answered).put("Data", AppClient.data(answered, 1, "20001").toString()).toString())
                    .body();
            assertFalse(accepted.contains("Error"), accepted);

            Awaitility.await("health turns DOWN while every publish is refused").atMost(Duration.ofSeconds(30))
                    .until(() -> health.last().status() == 503 && health.last().body().contains("refused"));
            assertTrue(broker.refused() > 0);
            for (int i = 0; i < 10; i++) {
                assertTrue(devices.get(i + 1).received().isEmpty(), "nothing reached a device while refused");
            }
            assertTrue(answered.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())));

            long healed = System.currentTimeMillis();
            broker.heal();
            for (int i = 0; i < 10; i++) {
                DeviceSim d = devices.get(i + 1);
                JsonNode reply = d.awaitReply(tokens.get(i));
                assertEquals(0, reply.path("code").asInt(), reply.toString());
            }
            JsonNode control = answered.awaitControl(1);
            Awaitility.await("health is UP again").atMost(Duration.ofSeconds(30))
                    .until(() -> health.last().status() == 200);

            // Once each: the next message to a device waits for the one before, so nothing can overtake or repeat.
            answered.awaitReply(answered.report(2, "20001"));
            answered.awaitReply(answered.report(0, "20001"));
            for (int i = 0; i < 10; i++) {
                String token = tokens.get(i);
                assertEquals(0, devices.get(i + 1).received().stream()
                        .filter(m -> token.equals(m.path("clientToken").asText())).count(), "no second reply");
            }
            assertTrue(answered.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())),
                    "one control 1, not two: " + answered.received());
            assertEquals("DELIVERED", delivery(control.path("clientToken").asText()));

            for (HealthWatch.Reading r : health.readings()) {
                if (r.atMillis() < refusing) {
                    assertEquals(200, r.status(), "UP before the broker refused: " + r.body());
                }
            }
            assertTrue(health.readings().stream().anyMatch(r -> r.atMillis() > healed && r.status() == 200));
        }
    }

    @Test
    void aControlWhoseFirstPublishFailsIsSentAgainOnce() throws Exception {
        try (HealthWatch health = new HealthWatch(callbridge.baseUrl())) {
            DeviceSim device = device();
            device.awaitReply(device.report(1, "20001"));
            awaitEvent(device, "call.ringing");

            broker.refuseNext(1, clientId + "-down", "\"method\":\"control\"");
            String accepted = callbridge.post("/api/exploreropen/tokenapi", AppClient.envelope("AppControlDeviceData",
                    "token-20001", device).put("Data", AppClient.data(device, 1, "20001").toString()).toString())
                    .body();
            assertFalse(accepted.contains("Error"), accepted);
            JsonNode control = device.awaitControl(1);
            assertEquals(1, broker.refused(), "the first publish of the control was refused");

            device.awaitReply(device.report(2, "20001"));
            device.awaitReply(device.report(0, "20001"));
            awaitEvent(device, "call.ended");
            assertTrue(device.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())),
                    "the control reached the device once: " + device.received());
            assertEquals("DELIVERED", delivery(control.path("clientToken").asText()));
            assertTrue(health.notUp().isEmpty(), "health UP throughout: " + health.notUp());
        }
    }

    private DeviceSim device() throws Exception {
        DeviceSim d = DeviceSim.random(broker.url());
        devices.add(d);
        return d;
    }

    /** The outbox status of a control (its clientToken is its id there). */
    private String delivery(String clientToken) throws Exception {
        String body = callbridge.get("/api/webhooks/" + clientToken).body();
        JsonNode deliveries = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("deliveries");
        assertEquals(1, deliveries.size(), body);
        return deliveries.get(0).path("status").asText();
    }

    private void awaitEvent(DeviceSim device, String type) {
        Awaitility.await(type + " for " + device.id()).atMost(Duration.ofSeconds(15)).until(() -> receiver
                .eventsOfType(type).stream()
                .anyMatch(r -> device.id().equals(r.json().path("data").path("device").asText())));
    }
}
