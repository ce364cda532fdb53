package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.AppSdks;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app push WebSocket as the platform's app SDKs use it: an app that watches its doorbell through
 * {@code /ws/explorer} hears it ring from a {@code DeviceChange} push, answers through the tokenapi, and sees the
 * control, the call connect and end, and the device leave; a stranger's devices are refused; the SDKs' keep-alive
 * keeps an idle connection open and silence closes it.
 */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class AppPushTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MqttBroker broker;

    @Inject
    io.callbridge.device.BrokerPresence presence;

    @Inject
    io.callbridge.app.AppPushes pushes;

    DeviceSim device;
    DeviceSim other;
    WsClient app;
    /** The SDKs' keep-alive, every second here (the idle timeout is 4 s in tests; the SDKs send one every 10 s). */
    ScheduledExecutorService keepAlive;

    @BeforeEach
    void connect() throws Exception {
        device = DeviceSim.registered(broker.url());
        other = DeviceSim.registered(broker.url());
        AppClient.bind(device, "20001");
        AppClient.bind(other, "20002");
        app = WsClient.connect(url("20001"));
        keepAlive = Executors.newSingleThreadScheduledExecutor();
        keepAlive.scheduleAtFixedRate(() -> app.send("{\"action\":\"Hello\",\"reqId\":1}"), 0, 1, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        keepAlive.shutdownNow();
        app.close();
        device.close();
        other.close();
    }

    private static String url(String user) {
        return "ws://127.0.0.1:" + RestAssured.port + "/ws/explorer?uin=" + user + "&cId=" + UUID.randomUUID();
    }

    /** Android's ActivePush: an integer reqId, the token and the devices in params. */
    private static String activePush(int reqId, String token, String... devices) {
        return JSON.createObjectNode().put("action", "ActivePush").put("reqId", reqId).set("params",
                JSON.createObjectNode().put("AccessToken", token).put("Platform", "android").put("RegionId", 1)
                        .set("DeviceIds", JSON.valueToTree(List.of(devices)))).toString();
    }

    private static JsonNode answer(WsClient ws, JsonNode reqId) {
        return ws.await(m -> reqId.equals(m.path("reqId")) && m.has("data"));
    }

    /** The next push for the device with this SubType, its Payload decoded. */
    private JsonNode push(WsClient ws, DeviceSim d, String subType) {
        JsonNode push = ws.await(m -> m.path("push").asBoolean() && "DeviceChange".equals(m.path("action").asText())
                && d.id().equals(m.path("params").path("DeviceId").asText())
                && subType.equals(m.path("params").path("SubType").asText()));
        assertFalse(push.has("reqId"), "a push has no reqId (iOS tells them apart by it)");
        try {
            return JSON.readTree(Base64.getDecoder().decode(push.path("params").path("Payload").asText()));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode reportPush(int status) {
        JsonNode payload;
        do {
            payload = push(app, device, "Report");
        } while (payload.path("params").path("_sys_video_call_status").asInt(-1) != status);
        assertEquals("report", payload.path("method").asText());
        return payload;
    }

    @Test
    void theAppHearsTheRingAndFollowsTheCall() {
        app.send(activePush(7, "token-20001", device.id(), other.id()));
        JsonNode watching = answer(app, JSON.getNodeFactory().numberNode(7)).path("data").path("Response");
        assertFalse(watching.has("Error"), watching::toString);
        assertEquals(List.of(device.id()), strings(watching.path("DeviceIds")));
        assertEquals(List.of(other.id()), strings(watching.path("RefusedDeviceIds")), "a stranger's device is named");

        device.awaitReply(device.report(1, "20001"));
        JsonNode ring = reportPush(1);
        assertEquals("20001", ring.path("params").path("_sys_userid").asText(), "the app sees its own id ringing");

        assertTrue(AppSdks.ANDROID.call("AppControlDeviceData", "token-20001", Map.of("DeviceId", device.id(),
                "Data", AppClient.data(device, 1, "20001").toString())).success());
        JsonNode control = push(app, device, "Push");
        assertEquals("control", control.path("method").asText());
        assertEquals(1, control.path("params").path("_sys_video_call_status").asInt());
        device.awaitControl(1);

        device.awaitReply(device.report(2, "20001"));
        assertEquals("20001", reportPush(2).path("params").path("_sys_userid").asText());
        device.awaitReply(device.report(0, "20001"));
        reportPush(0);

        // The other device is not watched: its report, answered before ours, was pushed to no one.
        other.awaitReply(other.report(1, "20002"));
        device.awaitReply(device.report(1, "20001"));
        reportPush(1);
        assertTrue(app.texts().stream().noneMatch(m -> other.id().equals(m.path("params").path("DeviceId").asText())),
                () -> "pushed a stranger's device: " + app.texts());
    }

    @Test
    void theDeviceLeavingAndComingBackIsPushed() throws Exception {
        String secret = CallBridgeProcess.randomSecret();
        DeviceSim door = DeviceSim.registered(broker.url(), secret);
        AppClient.bind(door, "20001");
        app.send(activePush(2, "token-20001", door.id()));
        answer(app, JSON.getNodeFactory().numberNode(2));
        door.close();
        awaitBrokerTellsOfClients();
        assertEquals(0, push(app, door, "Offline").path("Online").asInt(-1));
        DeviceId id = new DeviceId(door.productId(), door.deviceName());
        try (DeviceSim back = DeviceSim.signedIn(broker.url(), id, secret, DeviceCredentials.Form.HMAC_SHA1)) {
            assertEquals(1, push(app, back, "Online").path("Online").asInt(-1));
        }
    }

    /**
     * The embedded broker tells CallBridge who connects; an external one only on topics of its own (CI's second pass
     * runs Mosquitto with docs/brokers/mosquitto.conf, which publishes its log).
     */
    private void awaitBrokerTellsOfClients() {
        org.awaitility.Awaitility.await().alias("the broker never told of a client connecting: run Mosquitto with"
                + " docs/brokers/mosquitto.conf (log_dest topic), or EMQX (docs/brokers.md, presence)")
                .atMost(java.time.Duration.ofSeconds(10)).until(presence::brokerTells);
    }

    /** The device drops mid-call: the app is told at once, and past the offline grace (2 s here) the call ends. */
    @Test
    void aDeviceThatDropsMidCallEndsItOffline() throws Exception {
        DeviceSim door = DeviceSim.registered(broker.url(), CallBridgeProcess.randomSecret());
        AppClient.bind(door, "20001");
        app.send(activePush(2, "token-20001", door.id()));
        answer(app, JSON.getNodeFactory().numberNode(2));
        door.awaitReply(door.report(1, "20001"));
        assertTrue(AppSdks.ANDROID.call("AppControlDeviceData", "token-20001", Map.of("DeviceId", door.id(),
                "Data", AppClient.data(door, 1, "20001").toString())).success());
        door.awaitControl(1);
        door.awaitReply(door.report(2, "20001"));
        String callId = AppClient.admin().queryParam("device", door.id()).get("/api/calls").then().statusCode(200)
                .extract().path("calls[0].callId");
        door.close();
        awaitBrokerTellsOfClients();
        push(app, door, "Offline");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> "ENDED".equals(
                AppClient.admin().get("/api/calls/" + callId).then().extract().path("state")));
        AppClient.admin().get("/api/calls/" + callId).then().statusCode(200)
                .body("reason", org.hamcrest.Matchers.equalTo("OFFLINE"))
                .body("endedBy", org.hamcrest.Matchers.equalTo(door.id()));
    }

    /**
     * An app that stops reading (its socket's window closes: a phone gone to sleep mid-stream) is closed by the
     * server once its send queue is full, while another app watching one of the same devices gets every push and
     * every device every answer.
     */
    @Test
    void aSlowAppIsClosedAndHoldsNoOneUp() throws Exception {
        List<io.callbridge.testing.SdkDevice> doors = new java.util.ArrayList<>();
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            for (int i = 0; i < 4; i++) {
                DeviceId id = new DeviceId(DeviceSim.randomProductId(), "device01");
                String secret = CallBridgeProcess.randomSecret();
                AppClient.registerSecret(id.toString(), secret);
                AppClient.bind(id.toString(), "20001");
                doors.add(io.callbridge.testing.SdkDevice.connect(broker.url(), id, secret,
                        DeviceCredentials.Form.HMAC_SHA256));
            }
            String[] ids = doors.stream().map(d -> d.device().toString()).toArray(String[]::new);
            // The app that keeps up watches one door, the slow one all four (a quarter of the stream each way).
            app.send(activePush(3, "token-20001", ids[0]));
            answer(app, JSON.getNodeFactory().numberNode(3));

            // The slow app: a receive window of a few KB, and once watching it reads no more.
            java.util.concurrent.CompletableFuture<Void> slowAnswered = new java.util.concurrent.CompletableFuture<>();
            io.vertx.core.http.WebSocket slow = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setReceiveBufferSize(4096)).webSocket(RestAssured.port, "127.0.0.1",
                    "/ws/explorer?uin=slow-20001&cId=" + UUID.randomUUID()).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            slow.textMessageHandler(text -> {
                if (text.contains("\"reqId\":4")) {
                    slow.pause();
                    slowAnswered.complete(null);
                }
            });
            slow.writeTextMessage(activePush(4, "token-20001", ids));
            slowAnswered.get(10, TimeUnit.SECONDS);
            long closedBefore = pushes.hub().closedSlow();
            int sessionsBefore = pushes.hub().sessions();

            // Events of 10 KB each (about 1 MB in all: more than the server's send queue and the kernel buffers
            // hold), each device as fast as it may send them (its burst), every one answered.
            String blob = "x".repeat(30_000);
            int rounds = 35;
            java.util.concurrent.ExecutorService senders = Executors.newFixedThreadPool(doors.size());
            try {
                List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
                for (io.callbridge.testing.SdkDevice door : doors) {
                    sent.add(senders.submit(() -> {
                        for (int round = 0; round < rounds; round++) {
                            door.publish("event", "{\"method\":\"event_post\",\"clientToken\":\"ev-" + round
                                    + "\",\"version\":\"1.0\",\"eventId\":\"blob\",\"type\":\"info\","
                                    + "\"params\":{\"blob\":\"" + blob + "\"}}");
                        }
                        return null;
                    }));
                }
                for (java.util.concurrent.Future<?> f : sent) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                senders.shutdownNow();
            }
            for (io.callbridge.testing.SdkDevice door : doors) {
                for (int round = 0; round < rounds; round++) {
                    assertEquals(0, door.reply("ev-" + round).path("code").asInt(), "event " + round + " answered");
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> app.texts().stream()
                    .filter(m -> "Event".equals(m.path("params").path("Type").asText())).count() == rounds);
            assertTrue(pushes.hub().closedSlow() > closedBefore, "the app that reads nothing was closed");
            AppClient.admin().get("/q/metrics").then().statusCode(200).body(org.hamcrest.Matchers.containsString(
                    "callbridge_push_closed_slow_total " + pushes.hub().closedSlow() + ".0"));
            assertEquals(sessionsBefore - 1, pushes.hub().sessions(), "it no longer takes pushes");
            assertFalse(app.isClosed(), "the app that keeps up stays connected");
        } finally {
            for (io.callbridge.testing.SdkDevice door : doors) {
                door.close();
            }
            vertx.close(); // not waited for: the slow app's socket, never read again, takes the server's closing timeout
        }
    }

    @Test
    void heartbeatsInEveryFormAreAnsweredAndBadTokensRefused() {
        // Android wraps the heartbeat in YunApi with ActionParams; iOS puts its fields beside Action; older apps send
        // it as the action itself. reqIds may be strings.
        app.send("{\"action\":\"YunApi\",\"reqId\":\"hb-1\",\"params\":{\"Action\":\"AppDeviceTraceHeartBeat\","
                + "\"ActionParams\":{\"AccessToken\":\"token-20001\",\"DeviceIds\":[\"" + device.id() + "\"],"
                + "\"Platform\":\"android\",\"RequestId\":\"r-1\"}}}");
        JsonNode android = answer(app, JSON.getNodeFactory().textNode("hb-1")).path("data").path("Response");
        assertEquals("r-1", android.path("RequestId").asText());
        assertEquals(List.of(device.id()), strings(android.path("DeviceIds")));

        app.send("{\"action\":\"YunApi\",\"reqId\":\"5001\",\"params\":{\"Action\":\"AppDeviceTraceHeartBeat\","
                + "\"AccessToken\":\"token-20001\",\"RequestId\":\"r-2\"}}");
        JsonNode ios = answer(app, JSON.getNodeFactory().textNode("5001")).path("data").path("Response");
        assertEquals(List.of(device.id()), strings(ios.path("DeviceIds")), "a heartbeat naming none keeps the watch");

        app.send("{\"action\":\"AppDeviceTraceHeartBeat\",\"reqId\":3,\"params\":{\"AccessToken\":\"token-20001\","
                + "\"DeviceIds\":[\"" + device.id() + "\"]}}");
        assertFalse(answer(app, JSON.getNodeFactory().numberNode(3)).path("data").path("Response").has("Error"));

        assertEquals("hello world", answer(app, JSON.getNodeFactory().numberNode(1)).path("data").path("result")
                .asText(), "the keep-alive is answered");

        app.send(activePush(9, "not-a-token", device.id()));
        JsonNode bad = answer(app, JSON.getNodeFactory().numberNode(9));
        assertEquals("InvalidParameterValue.InvalidAccessToken", bad.path("error").asText());
        assertEquals("InvalidParameterValue.InvalidAccessToken",
                bad.path("data").path("Response").path("Error").path("Code").asText());

        app.send("{\"action\":\"AppDeleteEverything\",\"reqId\":10}");
        assertEquals("InvalidAction", answer(app, JSON.getNodeFactory().numberNode(10)).path("error").asText());
        app.send("not json");
        assertEquals("InvalidParameter", app.await(m -> m.has("error")).path("error").asText());
        assertFalse(app.isClosed(), "bad requests get answers, not a closed connection");
    }

    /** The idle timeout is 4 s in tests: the SDKs' keep-alive every second holds a connection well past it. */
    @Test
    void theKeepAliveHoldsAnIdleConnectionAndSilenceClosesIt() throws Exception {
        app.send(activePush(2, "token-20001", device.id()));
        answer(app, JSON.getNodeFactory().numberNode(2));
        // Taken before connecting: the server's idle clock starts once the connection is open, after this.
        long opened = System.currentTimeMillis();
        try (WsClient silent = WsClient.connect(url("20001"))) {
            assertTrue(silent.awaitClose() > 0, "the silent connection is closed");
            long held = System.currentTimeMillis() - opened;
            assertTrue(held >= 4000, "not before its idle timeout: " + held + " ms");
            // The app connected before the silent one, so it too is older than the idle timeout.
            assertFalse(app.isClosed(), "the connection that kept alive is still open");
            device.awaitReply(device.report(1, "20001"));
            reportPush(1);
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
