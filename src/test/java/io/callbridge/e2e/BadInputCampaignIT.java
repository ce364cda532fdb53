package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.HostileInput;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input campaign of issue 8: generated hostile input at MQTT, the tokenapi, the management API and the
 * relay of the packaged jar. After each class CallBridge is up, health is UP, a call that was ringing is untouched,
 * and a whole normal call still works. {@code -Dcampaign.size=N} sets how many inputs (CI: 3,000; the full run:
 * {@code ./mvnw verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=BadInputCampaignIT
 * -Dcampaign.size=100000}); the figures go
 * to {@code target/campaign/results.md}.
 */
class BadInputCampaignIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ADMIN = "campaign-admin";
    private static final String TOKEN = "campaign-token";
    private static final String USER = "20001";

    private final int size = Integer.getInteger("campaign.size", 3000);
    private final Random random = new Random(Long.getLong("campaign.seed", 20261201L));
    private final Map<String, Integer> inputs = new TreeMap<>();
    private final Map<String, Integer> answers = new TreeMap<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private CallBridgeProcess callbridge;
    private WebhookReceiver receiver;
    private String mqttUrl;
    private int relayPort;

    @Test
    void hostileInputAtEveryDoor_leavesCallBridgeUpAndEveryOtherCallWhole() throws Exception {
        receiver = WebhookReceiver.start(WEBHOOK_SECRET);
        Path work = Files.createTempDirectory("callbridge-campaign");
        int mqtt = CallBridgeProcess.freePort();
        relayPort = CallBridgeProcess.freePort();
        mqttUrl = "tcp://127.0.0.1:" + mqtt;
        callbridge = new CallBridgeProcess(work, Map.ofEntries(
                Map.entry("callbridge.mqtt.embedded.port", String.valueOf(mqtt)),
                Map.entry("callbridge.p2p.port", String.valueOf(relayPort)),
                Map.entry("callbridge.admin.token", ADMIN),
                Map.entry("callbridge.auth.tokens." + TOKEN, USER),
                Map.entry("callbridge.webhooks.url", receiver.url()),
                Map.entry("callbridge.webhooks.secret", WEBHOOK_SECRET),
                Map.entry("callbridge.call.ring-timeout", "1h"),
                // The campaign is one attacker at full speed: the rates would answer most inputs before they are read.
                Map.entry("callbridge.limits.device-reports-per-second", "0"),
                Map.entry("callbridge.limits.api-per-address-per-second", "0"),
                Map.entry("callbridge.limits.api-per-token-per-second", "0"),
                Map.entry("callbridge.limits.api-failures-per-address-per-second", "0"),
                Map.entry("callbridge.limits.mqtt-connects-per-address-per-second", "0"),
                Map.entry("quarkus.log.level", "WARN")));
        long started = System.nanoTime();
        try {
            callbridge.start();
            DeviceId victim = CallBridgeProcess.newDevice('B');
            String victimSecret = callbridge.registerDevice(victim);
            // The victim's doorbell rings, and stays connected, throughout (one that left would end it OFFLINE).
            try (DeviceSim d = DeviceSim.signedIn(mqttUrl, victim, victimSecret, DeviceCredentials.Form.HMAC_SHA1)) {
                assertEquals(0, d.awaitReply(d.report(1, USER)).path("code").asInt());
                String victimCall = awaitCall(victim);
                JsonNode before = call(victimCall);

                int share = Math.max(10, size / 100);
                mqttPayloads(share * 55);
                checkAfter("mqtt payloads", victimCall, before);
                tokenapi(share * 25);
                checkAfter("tokenapi", victimCall, before);
                management(share * 10);
                checkAfter("management API", victimCall, before);
                relay(share * 7);
                checkAfter("relay frames", victimCall, before);
                credentialsAndTopics(share * 3);
                checkAfter("credentials and topics", victimCall, before);
                assertTrue(d.connected(), "the victim was never cut off");
            }
        } finally {
            callbridge.stop();
            receiver.close();
        }
        report((System.nanoTime() - started) / 1e9);
        assertTrue(inputs.values().stream().mapToInt(Integer::intValue).sum() >= size * 99 / 100, inputs.toString());
    }

    // ---- the classes of input ----

    /** Reports and other messages on the attacker's own up topic: every QoS 1 publish is taken and answered. */
    private void mqttPayloads(int n) throws Exception {
        DeviceId attacker = CallBridgeProcess.newDevice('B');
        String secret = callbridge.registerDevice(attacker);
        try (DeviceSim d = DeviceSim.signedIn(mqttUrl, attacker, secret, DeviceCredentials.Form.HMAC_SHA256)) {
            int answered = 0;
            List<String> tokens = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                HostileInput.Case c = HostileInput.devicePayload(random, attacker, "c" + i);
                count("mqtt/" + c.kind());
                d.publish(c.text());
                if (c.answerToken() != null) {
                    tokens.add(c.answerToken());
                }
            }
            // All at once: at full size tens of thousands of replies, which one wait per token scans again and again.
            Map<String, JsonNode> replies = new HashMap<>();
            Set<String> awaited = new HashSet<>(tokens);
            Awaitility.await().atMost(Duration.ofSeconds(60 + tokens.size() / 100)).until(() -> {
                for (JsonNode m : d.received()) {
                    String token = m.path("clientToken").asText(null);
                    if (token != null && awaited.contains(token) && m.path("method").asText().endsWith("_reply")) {
                        replies.putIfAbsent(token, m);
                    }
                }
                return replies.keySet().containsAll(awaited);
            });
            for (String token : tokens) {
                answer("mqtt reply code " + replies.get(token).path("code").asInt());
                answered++;
            }
            assertEquals(tokens.size(), answered, "every answerable message got its reply");
        }
    }

    private void tokenapi(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            HostileInput.Case c = HostileInput.tokenapiBody(random, TOKEN);
            count("tokenapi/" + c.kind());
            HttpResponse<String> r = post("/api/exploreropen/tokenapi", c.text(), null);
            assertTrue(r.statusCode() == 200 || r.statusCode() == 413 || r.statusCode() == 400,
                    "tokenapi " + r.statusCode() + " for " + c.kind() + ": " + r.body());
            String code = r.statusCode() != 200 ? "HTTP " + r.statusCode()
                    : JSON.readTree(r.body()).path("Response").path("Error").path("Code").asText("success");
            answer("tokenapi " + code);
        }
    }

    private void management(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            HostileInput.Case c = HostileInput.managementCall(random);
            count("management/" + c.kind());
            String path = "/api/devices/" + URLEncoder.encode(c.pathPart(), StandardCharsets.UTF_8).replace("%2F", "/")
                    + "/" + c.resource();
            HttpRequest.Builder b;
            try {
                b = HttpRequest.newBuilder(URI.create(callbridge.baseUrl() + path));
            } catch (IllegalArgumentException e) {
                answer("management unsendable path");
                continue;
            }
            HttpResponse<String> r = http.send(b.header("Authorization", "Bearer " + ADMIN)
                    .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(c.text()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() < 500, "management " + r.statusCode() + " for " + c.kind() + ": " + r.body());
            answer("management HTTP " + r.statusCode());
        }
    }

    private void relay(int n) throws Exception {
        DeviceId device = CallBridgeProcess.newDevice('B');
        String secret = callbridge.registerDevice(device);
        String base = "ws://127.0.0.1:" + relayPort + "/p2p/";
        WsClient link = WsClient.connectWithAuthorization(base + "device/" + device,
                io.callbridge.sim.SimulatedDevice.basic(device, secret));
        try {
            WsClient app = null;
            for (int i = 0; i < n; i++) {
                HostileInput.Case c = HostileInput.relayFrame(random);
                count("relay/" + c.kind());
                boolean fromDevice = random.nextBoolean();
                if (!fromDevice && (app == null || app.isClosed())) {
                    callbridge.bindUsers(device, USER);
                    app = WsClient.connect(base + "app/" + device, TOKEN);
                }
                WsClient to = fromDevice ? link : app;
                if (to.isClosed()) {
                    link = WsClient.connectWithAuthorization(base + "device/" + device,
                            io.callbridge.sim.SimulatedDevice.basic(device, secret));
                    to = link;
                    answer("relay reconnected after a close");
                }
                try {
                    if (c.binary() != null) {
                        to.sendBinary(c.binary());
                    } else {
                        to.send(c.text());
                    }
                    answer("relay frame sent");
                } catch (RuntimeException e) {
                    answer("relay closed the connection");
                }
            }
            if (app != null) {
                app.close();
            }
        } finally {
            link.close();
        }
        // Half-open upgrades and garbage before any upgrade.
        for (int i = 0; i < Math.max(1, n / 20); i++) {
            count("relay/raw-garbage");
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", relayPort)) {
                s.getOutputStream().write(HostileInput.garbage(random, 200));
            }
            answer("relay raw garbage closed");
        }
    }

    private void credentialsAndTopics(int n) throws Exception {
        DeviceId owner = CallBridgeProcess.newDevice('B');
        String secret = callbridge.registerDevice(owner);
        for (int i = 0; i < n; i++) {
            HostileInput.Case c = HostileInput.credentials(random, owner, secret);
            count("mqtt-connect/" + c.kind());
            MqttAsyncClient client = new MqttAsyncClient(mqttUrl, c.pathPart(), new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setConnectionTimeout(10);
            if (c.resource() != null) {
                o.setUserName(c.resource());
                o.setPassword(c.text().getBytes(StandardCharsets.UTF_8));
            }
            try {
                client.connect(o).waitForCompletion(10_000);
                assertEquals("own-then-wrong-topic", c.kind(), "only the device's own credentials sign in");
                answer("mqtt-connect accepted (own credentials)");
                publishSomewhere(client, owner);
            } catch (MqttException e) {
                answer("mqtt-connect refused " + e.getReasonCode());
            } finally {
                if (client.isConnected()) {
                    client.disconnectForcibly(0, 1000, false);
                }
                client.close(true);
            }
        }
    }

    /** Only the device's own up topic, not retained, is taken; anything else is refused or cuts it off. */
    private void publishSomewhere(MqttAsyncClient client, DeviceId owner) {
        String topic = HostileInput.topic(random, owner);
        boolean retained = random.nextBoolean();
        count("mqtt-topic/publish");
        boolean allowed = !retained && topic.startsWith("$thing/up/") && topic.endsWith("/" + owner)
                && topic.split("/").length == 5;
        try {
            IMqttToken t = client.publish(topic, new MqttMessage("{\"method\":\"report\",\"params\":{}}"
                    .getBytes(StandardCharsets.UTF_8), 1, retained, null));
            t.waitForCompletion(10_000);
            int code = t.getReasonCodes() == null || t.getReasonCodes().length == 0 ? 0 : t.getReasonCodes()[0];
            assertTrue(code >= 0x80 != allowed, topic + (retained ? " (retained)" : "") + " got " + code);
            answer(code >= 0x80 ? "mqtt-topic refused " + code : "mqtt-topic taken (own up topic)");
        } catch (MqttException e) {
            assertTrue(!allowed, topic + ": " + e);
            answer("mqtt-topic refused: the broker cut the client off");
        } catch (IllegalArgumentException e) {
            answer("mqtt-topic not a topic (refused by the client library)");
        }
    }

    // ---- checks ----

    private void checkAfter(String kind, String victimCall, JsonNode before) throws Exception {
        assertEquals(200, callbridge.health(), kind + ": health");
        String health = callbridge.getAnonymously("/q/health").body();
        assertTrue(health.contains("\"status\": \"UP\"") || health.contains("\"status\":\"UP\""), kind + ": " + health);
        assertEquals(before, call(victimCall), kind + ": the ringing call of another device changed");
        wholeCall(kind);
    }

    private void wholeCall(String kind) throws Exception {
        DeviceId device = CallBridgeProcess.newDevice('B');
        String secret = callbridge.registerDevice(device);
        try (DeviceSim d = DeviceSim.signedIn(mqttUrl, device, secret, DeviceCredentials.Form.HMAC_SHA1)) {
            assertEquals(0, d.awaitReply(d.report(1, USER)).path("code").asInt(), kind);
            HttpResponse<String> accept = post("/api/exploreropen/tokenapi", AppClient.envelope("AppControlDeviceData",
                    TOKEN, d).put("Data", AppClient.data(d, 1, USER).toString()).toString(), null);
            assertTrue(accept.body().contains("\"Data\""), kind + ": " + accept.body());
            d.awaitControl(1);
            assertEquals(0, d.awaitReply(d.report(2, USER)).path("code").asInt(), kind);
            assertEquals(0, d.awaitReply(d.report(0, USER)).path("code").asInt(), kind);
            Awaitility.await(kind + ": call.ended").atMost(Duration.ofSeconds(20)).until(() -> receiver.received()
                    .stream().anyMatch(r -> "call.ended".equals(r.type())
                            && device.toString().equals(r.json().path("data").path("device").asText())));
        }
    }

    // ---- helpers ----

    private String awaitCall(DeviceId device) {
        String[] id = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode calls = JSON.readTree(callbridge.get("/api/calls?device=" + device).body()).path("calls");
            if (calls.size() > 0) {
                id[0] = calls.get(0).path("callId").asText();
                return true;
            }
            return false;
        });
        return id[0];
    }

    private JsonNode call(String id) throws Exception {
        HttpResponse<String> r = callbridge.get("/api/calls/" + id);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private HttpResponse<String> post(String path, String body, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(callbridge.baseUrl() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void count(String kind) {
        inputs.merge(kind, 1, Integer::sum);
    }

    private void answer(String outcome) {
        answers.merge(outcome, 1, Integer::sum);
    }

    private void report(double seconds) throws Exception {
        StringBuilder b = new StringBuilder("# Bad-input campaign\n\n");
        int total = inputs.values().stream().mapToInt(Integer::intValue).sum();
        b.append("Inputs: ").append(total).append(" (seed ").append(Long.getLong("campaign.seed", 20261201L))
                .append(", ").append(String.format("%.0f", seconds)).append(" s). Crashes: 0; after every class health")
                .append(" was UP, the ringing call was untouched and a whole call worked.\n\n| input | count |\n|---|---|\n");
        inputs.forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        b.append("\n| answer | count |\n|---|---|\n");
        answers.forEach((k, v) -> b.append("| ").append(k.replace("|", "\\|")).append(" | ").append(v).append(" |\n"));
        Path out = Path.of("target", "campaign");
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), b.toString());
        System.out.println(b);
    }
}
