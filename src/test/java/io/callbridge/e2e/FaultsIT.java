package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.broker.EmbeddedBroker;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected into the packaged jar: kill -9, a broker restart, a deadline that falls due while CallBridge
 * is down. The broker runs in this JVM (HiveMQ), so devices stay connected while CallBridge dies and comes back.
 * Each test ends with the call in its right final state and every record event delivered once. See
 * docs/reliability.md.
 */
class FaultsIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private EmbeddedBroker broker;
    private int brokerPort;
    private WebhookReceiver receiver;
    private CallBridgeProcess callbridge;
    private DeviceSim device;

    @BeforeEach
    void setUp() throws Exception {
        brokerPort = CallBridgeProcess.freePort();
        broker = EmbeddedBroker.start("127.0.0.1", brokerPort, dir.resolve("broker"), Duration.ofSeconds(30));
        receiver = WebhookReceiver.start(SECRET);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (device != null) {
            device.close();
        }
        if (callbridge != null) {
            callbridge.stop();
        }
        receiver.close();
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void killedBetweenTheRingAndItsWebhookThenRestarted() throws Exception {
        start(Map.of());
        receiver.respondAlways(503);
        device.awaitReply(device.report(1, "20001"));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> !attempts("call.ringing").isEmpty());
        String ringingId = attempts("call.ringing").get(0).id();

        callbridge.kill();
        receiver.reset();
        callbridge.start();

        WebhookReceiver.Received ringing = awaitDelivered("call.ringing");
        assertEquals(ringingId, ringing.id(), "the same webhook-id after the restart");
        JsonNode call = onlyCall();
        assertEquals("RINGING", call.path("state").asText());

        device.awaitReply(device.report(0, "20001"));
        awaitDelivered("call.ended");
        assertEquals("CANCELED", onlyCall().path("reason").asText());
        assertDeliveredOnce("call.ringing", "call.canceled", "call.ended");
    }

    @Test
    void aRingTimeoutThatFallsDueWhileCallBridgeIsDown() throws Exception {
        start(Map.of("callbridge.call.ring-timeout", "3s"));
        device.awaitReply(device.report(1, "20001"));
        awaitDelivered("call.ringing");
        Instant due = Instant.parse(onlyCall().path("createdAt").asText()).plusSeconds(3);

        callbridge.kill();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(due.plusSeconds(1)));
        callbridge.start();

        JsonNode control = device.await(m -> "control".equals(m.path("method").asText()));
        assertEquals(0, control.path("params").path("_sys_video_call_status").asInt());
        awaitDelivered("call.ended");
        JsonNode call = onlyCall();
        assertEquals("ENDED", call.path("state").asText());
        assertEquals("NO_ANSWER", call.path("reason").asText());
        assertDeliveredOnce("call.ringing", "call.ended");
    }

    @Test
    void aReportSentWhileCallBridgeIsDownIsHandledWhenItIsBack() throws Exception {
        start(Map.of());
        callbridge.kill();
        String ring = device.report(1, "20001");

        callbridge.start();
        assertEquals(0, device.awaitReply(ring).path("code").asInt());
        awaitDelivered("call.ringing");
        assertEquals("RINGING", onlyCall().path("state").asText());
    }

    @Test
    void theBrokerRestartsWhileACallRings() throws Exception {
        start(Map.of());
        device.awaitReply(device.report(1, "20001"));
        awaitDelivered("call.ringing");

        device.close();
        broker.close();
        callbridge.awaitHealth(503, Duration.ofSeconds(20));
        broker = EmbeddedBroker.start("127.0.0.1", brokerPort, dir.resolve("broker"), Duration.ofSeconds(30));
        callbridge.awaitHealth(200, Duration.ofSeconds(30));

        device = new DeviceSim(url(), device.productId(), device.deviceName());
        // Resubscribed: the device's next report is answered and ends the call.
        String cancel = device.report(0, "20001");
        assertEquals(0, device.awaitReply(cancel).path("code").asInt());
        awaitDelivered("call.ended");
        assertEquals("CANCELED", onlyCall().path("reason").asText());
        assertDeliveredOnce("call.ringing", "call.canceled", "call.ended");
    }

    @Test
    void theBrokerIsDownWhenCallBridgeStartsThenComesUp() throws Exception {
        broker.close();
        broker = null;
        callbridge = new CallBridgeProcess(dir.resolve("callbridge"), properties(Map.of())).start(503);
        assertTrue(callbridge.get("/q/health").body().contains("not connected to the broker"),
                "health says why it is DOWN");
        assertEquals(200, callbridge.get("/api/calls").statusCode(), "the API serves while the broker is down");

        broker = EmbeddedBroker.start("127.0.0.1", brokerPort, dir.resolve("broker"), Duration.ofSeconds(30));
        callbridge.awaitHealth(200, Duration.ofSeconds(30));
        device = DeviceSim.random(url());
        assertEquals(0, device.awaitReply(device.report(1, "20001")).path("code").asInt());
        awaitDelivered("call.ringing");
        assertEquals(0, device.awaitReply(device.report(0, "20001")).path("code").asInt());
        awaitDelivered("call.ended");
        assertEquals("CANCELED", onlyCall().path("reason").asText());
    }

    private void start(Map<String, String> extra) throws Exception {
        callbridge = new CallBridgeProcess(dir.resolve("callbridge"), properties(extra)).start();
        device = DeviceSim.random(url());
    }

    private Map<String, String> properties(Map<String, String> extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "callbridge.mqtt.broker-url", url(),
                "callbridge.mqtt.client-id", "callbridge-fault-" + UUID.randomUUID(),
                "callbridge.mqtt.max-reconnect-delay", "1s",
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", SECRET,
                "callbridge.webhooks.record.retry-delay", "200ms",
                "callbridge.webhooks.record.max-retry-delay", "1s",
                "callbridge.webhooks.urgent.retry-delay", "200ms",
                "callbridge.webhooks.urgent.max-retry-delay", "1s"));
        props.putAll(extra);
        return props;
    }

    private String url() {
        return "tcp://127.0.0.1:" + brokerPort;
    }

    private JsonNode onlyCall() throws Exception {
        JsonNode calls = JSON.readTree(callbridge.get("/api/calls?device=" + device.id()).body()).path("calls");
        assertEquals(1, calls.size(), calls.toString());
        return calls.get(0);
    }

    private List<WebhookReceiver.Received> attempts(String type) {
        return receiver.received().stream().filter(r -> type.equals(r.type()))
                .filter(r -> device.id().equals(r.json().path("data").path("device").asText())).toList();
    }

    private WebhookReceiver.Received awaitDelivered(String type) {
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> attempts(type).stream().anyMatch(r -> r.status() == 200));
        return attempts(type).stream().filter(r -> r.status() == 200).findFirst().orElseThrow();
    }

    /** Each of these events reached the receiver exactly once with a 200, and every request verified. */
    private void assertDeliveredOnce(String... types) {
        for (String type : types) {
            awaitDelivered(type);
            assertEquals(1, attempts(type).stream().filter(r -> r.status() == 200).count(), type + " delivered once");
            assertEquals(1, attempts(type).stream().map(WebhookReceiver.Received::id).distinct().count(),
                    type + " kept its webhook-id");
        }
        assertTrue(receiver.received().stream().allMatch(WebhookReceiver.Received::verified));
    }
}
