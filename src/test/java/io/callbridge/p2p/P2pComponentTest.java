package io.callbridge.p2p;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceId;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The p2p component in plain Camel, over real WebSocket connections (the JDK's client playing device and app). */
class P2pComponentTest {

    static final DeviceId DEVICE = new DeviceId("OIUYKJHGBV", "device01");
    static final String GET_ST = "action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=standard";
    static final String DEVICE_LOGIN = "Basic " + java.util.Base64.getEncoder()
            .encodeToString("OIUYKJHGBVdevice01:door-pw".getBytes(java.nio.charset.StandardCharsets.UTF_8));

    CamelContext camel;
    P2pComponent component;
    final List<Exchange> events = new CopyOnWriteArrayList<>();
    String base;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        component = newComponent();
        camel.addComponent("p2p", component);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("p2p:*").process(events::add);
            }
        });
        camel.start();
        base = "ws://127.0.0.1:" + component.relay().port() + "/p2p/";
    }

    /** The component every p2p test runs: short timeouts, two apps per device, six connections at most. */
    static P2pComponent newComponent() {
        P2pComponent component = new P2pComponent();
        component.getConfiguration().setPort(0);
        component.getConfiguration().setCommandTimeout(800);
        component.getConfiguration().setMaxAppsPerDevice(2);
        component.getConfiguration().setPingInterval(200);
        component.getConfiguration().setHandshakeTimeout(500);
        component.getConfiguration().setMaxConnections(6);
        // Token "t-<user>" is user <user>; "stranger" may not talk to this device.
        component.setAuthenticator((token, device) -> token.startsWith("t-") && !token.equals("t-stranger")
                ? Optional.of(token.substring(2)) : Optional.empty());
        // Device "door" signs in with password "door-pw"; anyone else is refused.
        component.setDeviceAuthenticator((device, username, password) -> "door-pw".equals(password)
                ? Optional.empty() : Optional.of("wrong password"));
        return component;
    }

    @AfterEach
    void stop() {
        camel.stop();
    }

    WsClient device() throws Exception {
        return device(component, base, DEVICE);
    }

    /** A device signed in to the relay at {@code base} (any device name; the password is door-pw). */
    static WsClient device(P2pComponent component, String base, DeviceId device) throws Exception {
        WsClient d = WsClient.connectWithAuthorization(base + "device/" + device, "Basic " + java.util.Base64
                .getEncoder().encodeToString((device.productId() + device.deviceName() + ":door-pw")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Awaitility.await().until(() -> component.relay().deviceConnected(device));
        return d;
    }

    WsClient app(String user) throws Exception {
        return WsClient.connect(base + "app/" + DEVICE, "t-" + user);
    }

    @Test
    void anAppsCommandReachesTheDeviceAndTheAnswerComesBackToThatApp() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001"); WsClient other = app("20002")) {
            app.send("{\"type\":\"command\",\"id\":\"a1\",\"command\":\"" + GET_ST + "\"}");
            JsonNode command = device.awaitType("command");
            assertEquals(GET_ST, command.path("command").asText());
            device.send("{\"type\":\"answer\",\"id\":\"" + command.path("id").asText()
                    + "\",\"answer\":\"[{\\\"status\\\":0,\\\"appConnectNum\\\":2}]\"}");
            JsonNode answer = app.awaitType("answer");
            assertEquals("a1", answer.path("id").asText());
            assertEquals(0, DeviceStateAnswer.parse(answer.path("answer").asText()).status());
            assertTrue(other.texts().stream().noneMatch(t -> "answer".equals(t.path("type").asText())),
                    "the answer goes only to the app that asked");
            awaitEvent("ANSWER");
            Exchange commandEvent = awaitEvent("COMMAND");
            assertEquals("20001", commandEvent.getMessage().getHeader(P2pConstants.USER));
            assertEquals(DEVICE.toString(), commandEvent.getMessage().getHeader(P2pConstants.DEVICE));
        }
    }

    @Test
    void anUnansweredCommandGetsTheNoAnswerEvent() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001")) {
            app.send("{\"type\":\"command\",\"id\":\"a2\",\"command\":\"" + GET_ST + "\"}");
            device.awaitType("command");
            JsonNode noAnswer = app.awaitType("no-answer");
            assertEquals("a2", noAnswer.path("id").asText());
            assertEquals(P2pEvent.NO_ANSWER_CODE, noAnswer.path("code").asInt());
            assertEquals(P2pEvent.NO_ANSWER_CODE, awaitEvent("NO_ANSWER").getMessage().getHeader(P2pConstants.CODE));
        }
    }

    @Test
    void aMalformedCommandIsRefusedWithAReasonAndNeverReachesTheDevice() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001")) {
            app.send("{\"type\":\"command\",\"id\":\"a3\",\"command\":\"action=inner_define&channel=-1&cmd=x\"}");
            JsonNode error = app.awaitType("error");
            assertEquals("a3", error.path("id").asText());
            assertTrue(error.path("reason").asText().contains("channel"), error.toString());
            app.send("not json");
            app.awaitType("error");
            assertTrue(device.texts().isEmpty());
        }
    }

    @Test
    void theProducerAsksAConnectedDevice() throws Exception {
        ProducerTemplate producer = camel.createProducerTemplate();
        try (WsClient device = device()) {
            var reply = java.util.concurrent.CompletableFuture.supplyAsync(() -> producer.request(
                    "p2p:" + DEVICE + "?cmd=get_device_st&type=voice", e -> { }));
            JsonNode command = device.awaitType("command");
            assertEquals(GET_ST, command.path("command").asText());
            device.send("{\"type\":\"answer\",\"id\":\"" + command.path("id").asText()
                    + "\",\"answer\":\"[{\\\"status\\\":\\\"405\\\",\\\"appConnectNum\\\":\\\"4\\\"}]\"}");
            Exchange done = reply.get();
            assertEquals(405, done.getMessage().getHeader(P2pConstants.CODE));

            Exchange unanswered = producer.request("p2p:" + DEVICE + "?cmd=get_device_st&type=live&quality=high",
                    e -> { });
            assertInstanceOf(P2pException.class, unanswered.getException());
            assertEquals(P2pEvent.NO_ANSWER_CODE, ((P2pException) unanswered.getException()).code());
        }
        Awaitility.await().until(() -> !component.relay().deviceConnected(DEVICE));
        Exchange offline = producer.request("p2p:" + DEVICE + "?cmd=get_device_st&type=voice&quality=standard",
                e -> { });
        assertEquals(P2pEvent.LINK_BROKEN, ((P2pException) offline.getException()).code());
    }

    @Test
    void appsBeyondTheLimitAreRefusedAndStrangersCannotConnect() throws Exception {
        try (WsClient device = device(); WsClient a = app("20001"); WsClient b = app("20002");
                WsClient c = app("20003")) {
            JsonNode refused = c.awaitType("refused");
            assertEquals(405, refused.path("status").asInt());
            assertEquals(P2pEvent.REFUSED, c.awaitClose());
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> WsClient.connect(base + "app/" + DEVICE, "t-stranger"));
        assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
    }

    @Test
    void aDeviceWithoutItsCredentialsIsRefusedAndTheSignedInOneKeepsItsLink() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001")) {
            for (String login : new String[] {null, "Basic " + java.util.Base64.getEncoder()
                    .encodeToString("door:guess".getBytes(java.nio.charset.StandardCharsets.UTF_8)), "Basic !!"}) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> {
                    if (login == null) {
                        WsClient.connect(base + "device/" + DEVICE);
                    } else {
                        WsClient.connectWithAuthorization(base + "device/" + DEVICE, login);
                    }
                });
                assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
            }
            app.send("{\"type\":\"command\",\"id\":\"k1\",\"command\":\"" + GET_ST + "\"}");
            assertEquals(GET_ST, device.awaitType("command").path("command").asText());
        }
    }

    @Test
    void withoutADeviceAuthenticatorEveryDeviceIsRefused() throws Exception {
        camel.stop();
        P2pComponent bare = new P2pComponent();
        bare.getConfiguration().setPort(0);
        try (DefaultCamelContext other = new DefaultCamelContext()) {
            other.addComponent("p2p", bare);
            other.start();
            String uri = "ws://127.0.0.1:" + bare.relay().port() + "/p2p/device/" + DEVICE;
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> WsClient.connectWithAuthorization(uri, DEVICE_LOGIN));
            assertEquals(401, ((WebSocketHandshakeException) e.getCause()).getResponse().statusCode());
        }
    }

    @Test
    void voiceBytesReachTheDeviceOneVoicePerDeviceAndEitherSideCloses() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001"); WsClient second = app("20002")) {
            app.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"video\"}");
            assertEquals(0, app.awaitType("voice").path("status").asInt());
            assertEquals("video", device.awaitType("voice-open").path("calltype").asText());
            byte[] media = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
            app.sendBinary(media);
            Awaitility.await().until(() -> device.binaryReceived().length == media.length);
            assertArrayEquals(media, device.binaryReceived());

            second.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"audio\"}");
            assertEquals(1, second.awaitType("voice").path("status").asInt(), "the device is already talking");

            device.send("{\"type\":\"voice-close\"}");
            JsonNode close = app.awaitType("voice-close");
            assertEquals(P2pEvent.CLOSED, close.path("code").asInt());
            assertEquals(P2pEvent.VOICE_SERVICE_CLOSED, close.path("sub").asInt());
            assertEquals(P2pEvent.VOICE_SERVICE_CLOSED, awaitEvent("VOICE_CLOSED").getMessage()
                    .getHeader(P2pConstants.SUB_CODE));

            second.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"audio\"}");
            assertEquals(0, second.awaitType("voice").path("status").asInt());
            second.send("{\"type\":\"voice-close\"}");
            assertEquals(P2pEvent.VOICE_SERVICE_CLOSED, device.awaitType("voice-close").path("sub").asInt());
        }
    }

    @Test
    void voiceThatIsNotFlvIsClosedWithAReasonOnBothSides() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001")) {
            app.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"audio\"}");
            app.awaitType("voice");
            device.awaitType("voice-open");
            byte[] flv = FlvBytes.flv().audio(100, 0).audio(100, 20).build();
            app.sendBinary(flv);
            Awaitility.await().until(() -> device.binaryReceived().length == flv.length);
            app.sendBinary("{\"not\":\"flv\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            JsonNode appClose = app.awaitType("voice-close");
            assertEquals(P2pEvent.REFUSED, appClose.path("code").asInt());
            assertTrue(appClose.path("reason").asText().contains("not FLV"), appClose.toString());
            assertEquals(P2pEvent.REFUSED, device.awaitType("voice-close").path("code").asInt());
            assertEquals(flv.length, device.binaryReceived().length, "the bad bytes never reached the device");
        }
    }

    @Test
    void theDevicesStreamReachesTheAppsThatAskedAndEndsWith2001() throws Exception {
        try (WsClient device = device(); WsClient app = app("20001"); WsClient idle = app("20002")) {
            app.send("{\"type\":\"stream-open\",\"channel\":0,\"quality\":\"standard\"}");
            device.awaitType("stream-open");
            byte[] media = {'F', 'L', 'V', 1, 1, 0, 0, 0, 9, 0, 0, 0, 0};
            device.sendBinary(media);
            Awaitility.await().until(() -> app.binaryReceived().length == media.length);
            assertEquals(0, idle.binaryReceived().length);
            device.send("{\"type\":\"stream-close\"}");
            assertEquals(P2pEvent.STREAM_RECEIVE_CLOSED, app.awaitType("stream-close").path("sub").asInt());
        }
    }

    @Test
    void aLostDeviceLinkClosesItsAppsWith1003() throws Exception {
        WsClient device = device();
        try (WsClient app = app("20001")) {
            app.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"video\"}");
            app.awaitType("voice");
            device.close();
            assertEquals(P2pEvent.LINK_BROKEN, app.awaitType("close").path("code").asInt());
            Exchange lost = awaitEvent("DEVICE_DISCONNECTED");
            assertEquals(P2pEvent.LINK_BROKEN, lost.getMessage().getHeader(P2pConstants.CODE));
        }
    }

    @Test
    void keepalivePingsFlowAndTheRelayClosesCleanlyOnShutdown() throws Exception {
        WsClient device = device();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> device.pings() >= 2);
        camel.stop();
        assertEquals(1001, device.awaitClose());
    }

    @Test
    void aSilentConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        camel.stop();
        component = new P2pComponent();
        component.getConfiguration().setPort(0);
        component.getConfiguration().setIdleTimeout(600);
        component.getConfiguration().setPingInterval(200);
        component.setDeviceAuthenticator((device, username, password) -> Optional.empty());
        camel = new DefaultCamelContext();
        camel.addComponent("p2p", component);
        camel.start();
        // A raw client that never answers pings (the JDK's client always does).
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", component.relay().port())) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("GET /p2p/device/" + DEVICE + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            var in = new java.io.DataInputStream(socket.getInputStream());
            String status = new String(in.readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 101", status);
            while (!(in.readByte() == '\r' && in.readByte() == '\n' && in.readByte() == '\r' && in.readByte() == '\n')) {
                // skip the rest of the response headers
            }
            int pings = 0;
            while (true) {
                int opcode = in.readUnsignedByte() & 0x0F;
                int length = in.readUnsignedByte() & 0x7F;
                byte[] payload = in.readNBytes(length);
                if (opcode == 0x9) {
                    pings++;
                } else if (opcode == 0x8) {
                    assertEquals(1001, ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF), "going away: idle");
                    break;
                }
            }
            assertTrue(pings >= 1, "it was pinged before being closed");
        }
    }

    private Exchange awaitEvent(String type) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> type.equals(e.getMessage().getHeader(P2pConstants.EVENT_TYPE))));
        return events.stream().filter(e -> type.equals(e.getMessage().getHeader(P2pConstants.EVENT_TYPE)))
                .findFirst().orElseThrow();
    }

    /** Half-open upgrades used to be kept forever: 20,000 of them exhausted file descriptors. */
    @Test
    void aConnectionThatNeverCompletesItsUpgradeIsClosedAfterTheHandshakeTimeout() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", component.relay().port())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("GET /p2p/app/P/D HTTP/1.1\r\nHost: x\r\nUpgr".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            java.io.InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // until the relay closes it
            }
            assertTrue(System.nanoTime() - started < 4_000_000_000L, "closed by the handshake timeout");
        }
        Awaitility.await().until(() -> component.relay().refusedConnections() >= 1);
    }

    @Test
    void pastTheMaximumNewConnectionsAreClosedAtOnce() throws Exception {
        java.util.List<java.net.Socket> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                held.add(new java.net.Socket("127.0.0.1", component.relay().port()));
            }
            Awaitility.await().until(() -> component.relay().connections() == 6);
            try (java.net.Socket extra = new java.net.Socket("127.0.0.1", component.relay().port())) {
                extra.setSoTimeout(3_000);
                assertEquals(-1, extra.getInputStream().read(), "closed without a word");
            }
        } finally {
            for (java.net.Socket s : held) {
                s.close();
            }
        }
        Awaitility.await().until(() -> component.relay().connections() == 0);
    }
}
