package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.p2p.DeviceStateAnswer;
import io.callbridge.p2p.FlvBytes;
import io.callbridge.p2p.FlvChecker;
import io.callbridge.p2p.P2pComponent;
import io.callbridge.p2p.P2pEvent;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.sim.SimulatedDevice;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceId;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's whole flow, steps 1 to 9: MQTT for the device's reports and controls, the tokenapi for the app's
 * answer, the P2P relay for signaling and FLV media, webhooks for every step.
 */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class P2pCallTest {

    static final String GET_ST = "action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=standard";

    @Inject
    MqttBroker broker;

    @Inject
    CamelContext camel;

    WebhookReceiver receiver;

    DeviceSim device;
    /** base64 of 32 bytes, as the platform shows a device secret. */
    static final String SECRET = "q1cVZbD8yVn1Vb7hY0o3mJm9t0kq2bX4t6Ck8w3r6QU=";

    String base;
    WsClient deviceLink;
    WsClient app;

    @BeforeEach
    void connect() throws Exception {
        receiver.reset();
        // The doorbell's secret, as the platform issued it: it signs in to the broker and the relay with it.
        device = DeviceSim.registered(broker.url(), SECRET);
        // The app's user is bound to the device: it opens its P2P service before any call (step 1).
        AppClient.admin().contentType(ContentType.JSON).body("{\"users\":[\"20001\"]}")
                .put("/api/devices/" + device.productId() + "/" + device.deviceName() + "/users").then().statusCode(200);
        base = "ws://127.0.0.1:" + camel.getComponent("p2p", P2pComponent.class).relay().port() + "/p2p/";
        deviceLink = WsClient.connectWithAuthorization(base + "device/" + device.id(),
                SimulatedDevice.basic(DeviceId.parse(device.id()), SECRET));
        Awaitility.await().until(() -> camel.getComponent("p2p", P2pComponent.class).relay()
                .deviceConnected(io.callbridge.thing.DeviceId.parse(device.id())));
        app = WsClient.connect(base + "app/" + device.id(), "token-20001");
    }

    @AfterEach
    void close() {
        app.close();
        deviceLink.close();
        device.close();
    }

    /** Nobody takes over a device's link: a device signs in with the platform's credentials from its secret. */
    @Test
    void onlyTheDeviceWithItsSecretSignsIn() throws Exception {
        DeviceId id = DeviceId.parse(device.id());
        String uri = base + "device/" + device.id();
        assertRefused(401, () -> WsClient.connect(uri));
        assertRefused(401, () -> WsClient.connectWithAuthorization(uri,
                SimulatedDevice.basic(id, "b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ==")));
        DeviceId unregistered = new DeviceId(id.productId(), "stranger");
        assertRefused(401, () -> WsClient.connectWithAuthorization(uri, SimulatedDevice.basic(unregistered, SECRET)));
        assertRefused(401, () -> WsClient.connectWithAuthorization(base + "device/" + unregistered,
                SimulatedDevice.basic(unregistered, SECRET)));

        // The signed-in link was not replaced: the app's command still reaches it.
        app.send("{\"type\":\"command\",\"id\":\"st-0\",\"command\":\"" + GET_ST + "\"}");
        assertEquals(GET_ST, deviceLink.awaitType("command").path("command").asText());

        // A removed secret signs nobody in.
        AppClient.admin().delete("/api/devices/" + device.id() + "/secret").then().statusCode(204);
        assertEquals(P2pEvent.REFUSED, deviceLink.awaitClose(), "the link signed in with it is closed");
        assertRefused(401, () -> WsClient.connectWithAuthorization(uri, SimulatedDevice.basic(id, SECRET)));
        AppClient.admin().contentType(ContentType.JSON).body("{\"secret\":\"c2hvcnQ=\"}")
                .put("/api/devices/" + device.id() + "/secret").then().statusCode(400)
                .body("error", containsString("at least 16 bytes"));
        String huge = "A".repeat(300);
        AppClient.admin().contentType(ContentType.JSON).body("{\"secret\":\"" + huge + "\"}")
                .put("/api/devices/" + device.id() + "/secret").then().statusCode(400)
                .body("error", containsString("at most 200 characters"))
                .body("error", org.hamcrest.Matchers.not(containsString("AAAA")));
    }

    /** The attack of issue 8: a stranger calls the doorbell and cancels at once, then tries to watch it. */
    @Test
    void aStrangerWhoTriesToCallGetsNothing_noRelay_noData() {
        assertEquals("UnauthorizedOperation.NoPermissionToDevice",
                AppClient.callDevice(device, 1, "20002").getString("Response.Error.Code"));
        assertEquals("UnauthorizedOperation.NoPermissionToDevice",
                AppClient.callDevice(device, 0, "20002").getString("Response.Error.Code"), "not even whether it rings");
        assertRefused(401, () -> WsClient.connect(base + "app/" + device.id(), "token-20002"));
        assertEquals("UnauthorizedOperation.NoPermissionToDevice",
                AppClient.getDeviceData(device, "20002").getString("Response.Error.Code"));
        // Ringing the stranger because the device names them does not make them the device's user either.
        assertEquals(0, device.awaitReply(device.report(1, "20002")).path("code").asInt());
        assertEquals("UnauthorizedOperation.NoPermissionToDevice",
                AppClient.getDeviceData(device, "20002").getString("Response.Error.Code"));
    }

    /** A user the device rings joins the media of that call, and loses it when the call ends. */
    @Test
    void aCalleeTheDeviceRingsJoinsWhileTheCallLasts_andIsClosedWhenItEnds() throws Exception {
        String uri = base + "app/" + device.id();
        assertRefused(401, () -> WsClient.connect(uri, "token-20003"));
        assertEquals(0, device.awaitReply(device.report(1, "20003")).path("code").asInt());
        WsClient callee = WsClient.connect(uri, "token-20003");
        try {
            callee.send("{\"type\":\"command\",\"id\":\"st-1\",\"command\":\"" + GET_ST + "\"}");
            assertEquals(GET_ST, deviceLink.awaitType("command").path("command").asText());

            assertEquals(0, device.awaitReply(device.report(0, "20003")).path("code").asInt());
            JsonNode refused = callee.awaitType("refused");
            assertEquals(403, refused.path("status").asInt());
            assertEquals(P2pEvent.REFUSED, callee.awaitClose());
            assertRefused(401, () -> WsClient.connect(uri, "token-20003"));
            assertTrue(!app.isClosed(), "the bound user's app stays");
        } finally {
            callee.close();
        }
    }

    private static void assertRefused(int status, org.junit.jupiter.api.function.Executable connect) {
        ExecutionException e = assertThrows(ExecutionException.class, connect);
        assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(status, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }

    @Test
    void theSeedFlowWhereTheDeviceHangsUp() {
        connectedCallWithMedia();

        // 8.1: the device closes its voice request; the app gets "voice complete".
        deviceLink.send("{\"type\":\"voice-close\"}");
        JsonNode complete = app.awaitType("voice-close");
        assertEquals(P2pEvent.CLOSED, complete.path("code").asInt());
        assertEquals(P2pEvent.VOICE_SERVICE_CLOSED, complete.path("sub").asInt());
        // 9: the device reports 0 within the grace: a normal hang-up.
        assertEquals(0, device.awaitReply(device.report(0, "20001")).path("code").asInt());
        assertEquals("HANGUP", ended().path("reason").asText());
        assertEquals(device.id(), ended().path("endedBy").asText());
    }

    @Test
    void theSeedFlowWhereTheAppHangsUp() {
        connectedCallWithMedia();

        // 8.2: the app stops its voice; the device gets "voice complete", and the app hangs up by the API.
        app.send("{\"type\":\"voice-close\"}");
        assertEquals(P2pEvent.VOICE_SERVICE_CLOSED, deviceLink.awaitType("voice-close").path("sub").asInt());
        assertNull(AppClient.control(device, 0, "20001").get("Response.Error"));
        device.awaitControl(0);
        assertEquals(0, device.awaitReply(device.report(0, "20001")).path("code").asInt());
        assertEquals("HANGUP", ended().path("reason").asText());
        assertEquals("20001", ended().path("endedBy").asText());
    }

    @Test
    void aLinkLostMidCallEndsAsInterrupted() {
        connectedCallWithMedia();

        deviceLink.close();
        assertEquals(P2pEvent.LINK_BROKEN, app.awaitType("close").path("code").asInt());
        // No report 0 comes: after the media grace (2 s in tests) the call ends and the device is told.
        device.awaitControl(0);
        JsonNode ended = ended();
        assertEquals("INTERRUPTED", ended.path("reason").asText());
        assertEquals("server", ended.path("endedBy").asText());
    }

    /** Steps 1 to 7: ring, accept, control 1, get_device_st over the relay, in call, voice and stream in FLV. */
    private void connectedCallWithMedia() {
        assertEquals(0, device.awaitReply(device.report(1, "20001")).path("code").asInt());
        assertNull(AppClient.control(device, 1, "20001").get("Response.Error"));
        device.awaitControl(1);

        // 5: the app asks for the device's state over P2P.
        app.send("{\"type\":\"command\",\"id\":\"st-1\",\"command\":\"" + GET_ST + "\"}");
        JsonNode asked = deviceLink.awaitType("command");
        assertEquals(GET_ST, asked.path("command").asText());
        deviceLink.send("{\"type\":\"answer\",\"id\":\"" + asked.path("id").asText()
                + "\",\"answer\":\"[{\\\"status\\\":\\\"0\\\",\\\"appConnectNum\\\":1}]\"}");
        JsonNode answer = app.awaitType("answer");
        assertEquals("st-1", answer.path("id").asText());
        assertTrue(DeviceStateAnswer.parse(answer.path("answer").asText()).accepted());

        // 6: in call.
        assertEquals(0, device.awaitReply(device.report(2, "20001")).path("code").asInt());

        // 7: the app pulls the device's stream and sends its voice (calltype=video), both FLV.
        app.send("{\"type\":\"stream-open\",\"channel\":0,\"quality\":\"standard\"}");
        deviceLink.awaitType("stream-open");
        byte[] stream = FlvBytes.flv().video(2000, 0).audio(200, 0).video(1500, 40).build();
        deviceLink.sendBinary(stream);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> app.binaryReceived().length == stream.length);
        assertArrayEquals(stream, app.binaryReceived());

        app.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"video\"}");
        assertEquals(0, app.awaitType("voice").path("status").asInt());
        assertEquals("video", deviceLink.awaitType("voice-open").path("calltype").asText());
        byte[] voice = FlvBytes.flv().audio(160, 0).audio(160, 20).audio(160, 40).build();
        app.sendBinary(voice);
        Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> deviceLink.binaryReceived().length == voice.length);
        FlvChecker arrived = new FlvChecker();
        assertTrue(arrived.feed(deviceLink.binaryReceived()).ok());
        assertEquals(3, arrived.tagCount(), "every FLV tag arrived whole");
    }

    private JsonNode ended() {
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received().stream()
                .anyMatch(r -> "call.ended".equals(r.type()) && r.status() == 200
                        && device.id().equals(r.json().path("data").path("device").asText())));
        return receiver.received().stream().filter(r -> "call.ended".equals(r.type()) && r.status() == 200
                && device.id().equals(r.json().path("data").path("device").asText())).findFirst().orElseThrow()
                .json().path("data");
    }
}
