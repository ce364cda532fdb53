package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jar with its default push settings: an app that sends nothing but the platform's heartbeat (every
 * 30 s here; the SDKs send it every 50-60 s) stays connected through an idle minute and then hears the ring.
 */
class AppPushIdleIT {

    @Test
    void aHeartbeatOnlyIdleMinuteKeepsThePush() throws Exception {
        int port = CallBridgeProcess.freePort();
        try (CallBridgeProcess callbridge = new CallBridgeProcess(Files.createTempDirectory("callbridge-push"), Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(port),
                "callbridge.p2p.port", String.valueOf(CallBridgeProcess.freePort()),
                "callbridge.auth.tokens.token-20001", "20001")).start()) {
            DeviceId id = CallBridgeProcess.newDevice('P');
            String secret = callbridge.registerDevice(id);
            callbridge.bindUsers(id, "20001");
            ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor();
            try (DeviceSim device = DeviceSim.signedIn("tcp://127.0.0.1:" + port, id, secret,
                    DeviceCredentials.Form.HMAC_SHA1);
                    WsClient app = WsClient.connect(callbridge.baseUrl().replaceFirst("^http", "ws")
                            + "/ws/explorer?uin=20001&cId=it")) {
                app.send(heartbeat(0, id));
                assertEquals(id.toString(), answer(app, 0).path("DeviceIds").path(0).asText());
                long started = System.currentTimeMillis();
                heartbeats.schedule(() -> app.send(heartbeat(1, id)), 30, TimeUnit.SECONDS);
                heartbeats.schedule(() -> app.send(heartbeat(2, id)), 61, TimeUnit.SECONDS);
                Awaitility.await().atMost(Duration.ofSeconds(90)).until(() -> app.texts().stream()
                        .anyMatch(m -> m.path("reqId").asInt(-1) == 2));
                assertTrue(System.currentTimeMillis() - started >= 60_000);
                assertFalse(app.isClosed(), "open after a minute of nothing but heartbeats");
                assertFalse(answer(app, 2).has("Error"));

                device.awaitReply(device.report(1, "20001"));
                JsonNode push = app.await(m -> "Report".equals(m.path("params").path("SubType").asText()));
                assertEquals(id.toString(), push.path("params").path("DeviceId").asText());
            } finally {
                heartbeats.shutdownNow();
            }
        }
    }

    /** Android's heartbeat: YunApi wrapping AppDeviceTraceHeartBeat with its ActionParams. */
    private static String heartbeat(int reqId, DeviceId device) {
        return "{\"action\":\"YunApi\",\"reqId\":" + reqId + ",\"params\":{\"Action\":\"AppDeviceTraceHeartBeat\","
                + "\"ActionParams\":{\"AccessToken\":\"token-20001\",\"DeviceIds\":[\"" + device + "\"],"
                + "\"Platform\":\"android\",\"RequestId\":\"hb-" + reqId + "\"}}}";
    }

    private static JsonNode answer(WsClient app, int reqId) {
        return app.await(m -> m.path("reqId").asInt(-1) == reqId && m.has("data")).path("data").path("Response");
    }
}
