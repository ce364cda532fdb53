package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.broker.EmbeddedBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceId;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two instances of the packaged jar sharing PostgreSQL and a shared MQTT subscription on a real broker (HiveMQ
 * in this JVM). Needs PostgreSQL: QUARKUS_DATASOURCE_JDBC_URL, _USERNAME, _PASSWORD (CI sets them; see .ci/run).
 */
class TwoInstancesPostgresIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CALLS = 24;

    @TempDir
    Path dir;

    private String group;
    private EmbeddedBroker broker;
    private WebhookReceiver receiver;
    private final List<CallBridgeProcess> instances = new ArrayList<>();
    private final List<DeviceSim> devices = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        String url = System.getenv("QUARKUS_DATASOURCE_JDBC_URL");
        assertNotNull(url, "TwoInstancesPostgresIT needs PostgreSQL: set QUARKUS_DATASOURCE_JDBC_URL (see .ci/run)");
        broker = EmbeddedBroker.start("127.0.0.1", CallBridgeProcess.freePort(), dir.resolve("broker"),
                Duration.ofSeconds(30));
        receiver = WebhookReceiver.start(SECRET);
        group = "cb-" + UUID.randomUUID().toString().substring(0, 8);
        for (String name : List.of("a", "b")) {
            Map<String, String> props = new HashMap<>(Map.of(
                    "callbridge.mqtt.broker-url", broker.url(),
                    "callbridge.mqtt.client-id", group + "-" + name,
                    "callbridge.mqtt.max-reconnect-delay", "1s",
                    "callbridge.cluster.group", group,
                    "callbridge.webhooks.url", receiver.url(),
                    "callbridge.webhooks.secret", SECRET,
                    "callbridge.webhooks.record.retry-delay", "200ms",
                    "callbridge.webhooks.record.max-retry-delay", "1s",
                    "callbridge.auth.tokens.token-20001", "20001",
                    "callbridge.auth.tokens.token-20002", "20002"));
            props.put("callbridge.call.ring-timeout", "10s");
            props.put("callbridge.webhooks.connect-timeout", "1s");
            props.put("callbridge.webhooks.timeout", "2s");
            CallBridgeProcess instance = new CallBridgeProcess(dir.resolve(name), props);
            instance.env("QUARKUS_DATASOURCE_JDBC_URL", url);
            instance.env("QUARKUS_DATASOURCE_USERNAME", System.getenv().getOrDefault("QUARKUS_DATASOURCE_USERNAME", ""));
            instance.env("QUARKUS_DATASOURCE_PASSWORD", System.getenv().getOrDefault("QUARKUS_DATASOURCE_PASSWORD", ""));
            instances.add(instance.start());
        }
        for (int i = 0; i < CALLS; i++) {
            devices.add(DeviceSim.random(broker.url()));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        devices.forEach(DeviceSim::close);
        for (CallBridgeProcess p : instances) {
            p.stop();
        }
        receiver.close();
        broker.close();
    }

    @Test
    void manyCallsAtOnceAcrossBothInstancesNoneLostOrDoubled() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                DeviceSim device = devices.get(i);
                CallBridgeProcess api = instances.get(i % 2);
                calls.add(pool.submit(() -> {
                    wholeCall(device, api);
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        for (DeviceSim device : devices) {
            assertOneCall(device, "ENDED", "HANGUP");
            assertDeliveredOnce(device, "call.ringing", "call.accepted", "call.answered_elsewhere",
                    "call.connected", "call.ended");
        }
        // Both took part through the one shared subscription. How the broker spreads a burst over its members is
        // its own business: HiveMQ CE hands a burst to one of them (docs/reliability.md), so which instance took
        // which report is not asserted; that none was lost or doubled is.
        for (CallBridgeProcess instance : instances) {
            JsonNode mqtt = mqttHealth(instance);
            assertEquals("UP", mqtt.path("status").asText(), mqtt.toString());
            assertEquals("$share/" + group + "/$thing/up/property/+/+,$share/" + group + "/$thing/up/event/+/+,$share/"
                    + group + "/$thing/up/action/+/+", mqtt.path("data").path("topic").asText());
        }
    }

    /**
     * One instance handles the device's report (whichever the shared subscription picks); an app connected to either
     * instance hears it: pushes go through the broker to every instance.
     */
    @Test
    void anAppOnEitherInstanceHearsTheRingAndTheControl() throws Exception {
        DeviceSim device = devices.get(0);
        DeviceId id = new DeviceId(device.productId(), device.deviceName());
        instances.get(0).bindUsers(id, "20001");
        List<WsClient> apps = new ArrayList<>();
        try {
            for (CallBridgeProcess instance : instances) {
                WsClient app = WsClient.connect(instance.baseUrl().replaceFirst("^http", "ws") + "/ws/explorer?uin=20001");
                apps.add(app);
                app.send("{\"action\":\"ActivePush\",\"reqId\":1,\"params\":{\"AccessToken\":\"token-20001\","
                        + "\"DeviceIds\":[\"" + device.id() + "\"]}}");
                JsonNode watching = app.await(m -> m.path("reqId").asInt() == 1 && m.has("data"));
                assertEquals(device.id(), watching.path("data").path("Response").path("DeviceIds").path(0).asText(),
                        watching::toString);
            }
            assertEquals(0, device.awaitReply(device.report(1, "20001")).path("code").asInt());
            for (WsClient app : apps) {
                JsonNode push = app.await(m -> "Report".equals(m.path("params").path("SubType").asText()));
                JsonNode report = JSON.readTree(java.util.Base64.getDecoder().decode(push.path("params").path("Payload")
                        .asText()));
                assertEquals(1, report.path("params").path("_sys_video_call_status").asInt());
                assertEquals(device.id(), push.path("params").path("DeviceId").asText());
            }
            assertEquals("", accept(instances.get(1), device, "20001"));
            device.awaitControl(1);
            for (WsClient app : apps) {
                app.await(m -> "Push".equals(m.path("params").path("SubType").asText()));
            }
        } finally {
            apps.forEach(WsClient::close);
        }
    }

    @Test
    void oneInstanceKilledMidCallTheOtherFinishesEveryCall() throws Exception {
        int half = CALLS / 2;
        for (int i = 0; i < half; i++) {
            DeviceSim device = devices.get(i);
            device.awaitReply(device.report(1, "20001;20002"));
            assertTrue(accept(instances.get(i % 2), device, "20001").isEmpty());
            device.awaitControl(1);
            device.awaitReply(device.report(2, "20001"));
        }

        instances.get(0).kill();

        CallBridgeProcess survivor = instances.get(1);
        for (int i = 0; i < half; i++) {
            DeviceSim device = devices.get(i);
            assertEquals(0, device.awaitReply(device.report(0, "20001")).path("code").asInt());
        }
        for (int i = half; i < CALLS; i++) {
            wholeCall(devices.get(i), survivor);
        }
        for (DeviceSim device : devices) {
            assertOneCall(device, "ENDED", "HANGUP");
            assertDeliveredOnce(device, "call.ringing", "call.accepted", "call.connected", "call.ended");
        }
    }

    @Test
    void aRingTimeoutFiresOnceThoughBothInstancesWatchIt() throws Exception {
        DeviceSim device = devices.get(0);
        device.awaitReply(device.report(1, "20001"));
        device.awaitControl(0);
        assertOneCall(device, "ENDED", "NO_ANSWER");
        assertDeliveredOnce(device, "call.ringing", "call.ended");
        // Both instances polled the deadline; only one control 0 may reach the device.
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> device.received()
                .stream().noneMatch(m -> "control".equals(m.path("method").asText())));
    }

    private static JsonNode mqttHealth(CallBridgeProcess instance) throws Exception {
        for (JsonNode check : JSON.readTree(instance.get("/q/health").body()).path("checks")) {
            if ("mqtt".equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no mqtt health check on " + instance.baseUrl());
    }

    private void wholeCall(DeviceSim device, CallBridgeProcess api) throws Exception {
        assertEquals(0, device.awaitReply(device.report(1, "20001;20002")).path("code").asInt());
        assertEquals("", accept(api, device, "20001"));
        device.awaitControl(1);
        assertEquals(0, device.awaitReply(device.report(2, "20001")).path("code").asInt());
        assertEquals(0, device.awaitReply(device.report(0, "20001")).path("code").asInt());
    }

    /** Accepts through the given instance; the error code, or "" on success. */
    private static String accept(CallBridgeProcess api, DeviceSim device, String user) throws Exception {
        var response = api.post("/api/exploreropen/tokenapi", AppClient.envelope("AppControlDeviceData",
                "token-" + user, device).put("Data", AppClient.data(device, 1, user).toString()).toString());
        assertEquals(200, response.statusCode());
        return JSON.readTree(response.body()).path("Response").path("Error").path("Code").asText("");
    }

    private void assertOneCall(DeviceSim device, String state, String reason) throws Exception {
        CallBridgeProcess live = instances.stream().filter(p -> p.health() == 200).findFirst().orElseThrow();
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
            JsonNode calls = JSON.readTree(live.get("/api/calls?device=" + device.id()).body()).path("calls");
            return calls.size() == 1 && state.equals(calls.get(0).path("state").asText());
        });
        JsonNode calls = JSON.readTree(live.get("/api/calls?device=" + device.id()).body()).path("calls");
        assertEquals(1, calls.size(), device.id() + ": one call, not " + calls);
        assertEquals(reason, calls.get(0).path("reason").asText(), calls.toString());
    }

    private void assertDeliveredOnce(DeviceSim device, String... types) {
        for (String type : types) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> delivered(device, type) >= 1);
            assertEquals(1, delivered(device, type), device.id() + " " + type + " delivered once");
        }
        assertTrue(receiver.received().stream().allMatch(WebhookReceiver.Received::verified));
    }

    private long delivered(DeviceSim device, String type) {
        return receiver.received().stream().filter(r -> r.status() == 200 && type.equals(r.type()))
                .filter(r -> device.id().equals(r.json().path("data").path("device").asText())).count();
    }
}
