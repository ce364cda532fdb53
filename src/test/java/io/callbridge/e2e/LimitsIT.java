package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits of issue 8 with their defaults, on the packaged jar: a token-guessing loop slows to the configured
 * rate, a device that floods gets 429 for what is over its rate (and an answer for every report), connection
 * attempts per address and the relay's half-open upgrades are cut, and each refusal is counted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LimitsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private WebhookReceiver receiver;
    private CallBridgeProcess callbridge;
    private String url;
    private int relayPort;

    @BeforeAll
    void start() throws Exception {
        receiver = WebhookReceiver.start(WEBHOOK_SECRET);
        int port = CallBridgeProcess.freePort();
        relayPort = CallBridgeProcess.freePort();
        url = "tcp://127.0.0.1:" + port;
        callbridge = new CallBridgeProcess(Files.createTempDirectory("callbridge-limits"), Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(port),
                "callbridge.p2p.port", String.valueOf(relayPort),
                "callbridge.p2p.handshake-timeout", "1s",
                "callbridge.auth.tokens.demo-token", "20001",
                // Small enough to reach with a handful of connections; the mechanism is the default one.
                "callbridge.limits.mqtt-connects-per-address-per-second", "1",
                "callbridge.limits.mqtt-connects-per-address-burst", "8",
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", WEBHOOK_SECRET)).start();
    }

    @AfterAll
    void stop() throws Exception {
        callbridge.stop();
        receiver.close();
    }

    @Test
    @Order(1)
    void aTokenGuessingLoopIsSlowedDown_andAValidTokenFromThereWaitsToo() throws Exception {
        long started = System.nanoTime();
        int told = 0;
        int limited = 0;
        for (int i = 0; i < 40; i++) {
            String code = errorCode(call("guess-" + i));
            if ("InvalidParameterValue.InvalidAccessToken".equals(code)) {
                told++;
            } else if ("RequestLimitExceeded".equals(code)) {
                limited++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // The default: a burst of 10 refused tokens, then one a second.
        assertTrue(told <= 10 + Math.ceil(seconds) + 1, told + " guesses answered in " + seconds + " s");
        assertTrue(limited > 0, "no guess was held back");
        assertEquals(40, told + limited, "every request got an answer in the platform's form");
        // Nothing tells the guesser its next guess is right: a valid token from that address waits as well.
        assertEquals("RequestLimitExceeded", errorCode(call("demo-token")));
        Awaitility.await("the address may call again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> !"RequestLimitExceeded".equals(errorCode(call("demo-token"))));
        assertTrue(refused("api-failures-per-address") > 0, "counted");
    }

    @Test
    @Order(2)
    void aDeviceThatFloodsIsAnswered429ForWhatIsOverItsRate_andEveryReportIsAnswered() throws Exception {
        DeviceId device = CallBridgeProcess.newDevice('L');
        String secret = callbridge.registerDevice(device);
        try (DeviceSim sim = DeviceSim.signedIn(url, device, secret, DeviceCredentials.Form.HMAC_SHA1)) {
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                tokens.add(sim.report(sim.callParams(0, "20001").put("battery", i)));
            }
            int ok = 0;
            int tooMany = 0;
            for (String token : tokens) {
                int code = sim.awaitReply(token).path("code").asInt();
                if (code == 0) {
                    ok++;
                } else if (code == 429) {
                    tooMany++;
                }
            }
            assertEquals(100, ok + tooMany, "every report answered");
            assertTrue(tooMany > 0, "none was over the rate");
            assertTrue(ok >= 40, "the burst of 40 is taken: " + ok);
            Awaitility.await("the device is heard again").atMost(Duration.ofSeconds(5))
                    .until(() -> sim.awaitReply(sim.report(0, "20001")).path("code").asInt() == 0);
        }
        assertTrue(refused("device-reports") > 0, "counted");
    }

    @Test
    @Order(3)
    void theRelayClosesAnUpgradeThatNeverCompletes() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", relayPort)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /p2p/app/P/D HTTP/1.1\r\nHost: x\r\nUpgrade: web".getBytes(
                    StandardCharsets.US_ASCII));
            long started = System.nanoTime();
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // whatever the relay says before it closes
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            assertTrue(seconds < 5, "closed after " + seconds + " s (handshake timeout 1 s)");
        }
    }

    @Test
    @Order(4)
    void connectionAttemptsFromOneAddressPastTheRateAreRefused() throws Exception {
        int rateExceeded = 0;
        long started = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            MqttClient c = new MqttClient(url, "nobody-" + i, new MemoryPersistence());
            try {
                c.connect(new MqttConnectionOptions());
                c.disconnect();
            } catch (MqttException e) {
                if (e.getReasonCode() == 0x9F) {
                    rateExceeded++;
                }
            } finally {
                c.close();
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // A burst of 8, then one a second (and whatever was left of the bucket from the other tests' devices).
        assertTrue(rateExceeded >= 20 - 8 - Math.ceil(seconds) - 1, "connection rate exceeded only " + rateExceeded
                + " times in " + seconds + " s");
        assertTrue(rateExceeded > 0);
    }

    private String call(String token) throws Exception {
        String body = JSON.createObjectNode().put("Action", "AppGetDeviceData").put("RequestId", "r")
                .put("AccessToken", token).put("ProductId", "OIUYKJHGBV").put("DeviceName", "device01").toString();
        var response = callbridge.post("/api/exploreropen/tokenapi", body);
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static String errorCode(String body) throws Exception {
        JsonNode error = JSON.readTree(body).path("Response").path("Error");
        return error.isMissingNode() ? null : error.path("Code").asText();
    }

    private double refused(String limit) throws Exception {
        String metrics = callbridge.getAnonymously("/q/metrics").body();
        String prefix = "callbridge_limits_refused_total{limit=\"" + limit + "\"}";
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(
                l.substring(prefix.length()).trim())).findFirst().orElse(-1);
    }

}
