package io.callbridge.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.sim.SimulatedDevice;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.Secrets;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No token, password, device secret or webhook secret in any log line, file or error body (issue 8): the jar is
 * driven with every secret it knows, and wrong ones, through every door that takes one, and then its log, every
 * text file it wrote and every answer are searched for each of them.
 */
class SecretsStaySecretIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WEBHOOK_SECRET = "whsec_U2VjcmV0c1N0YXlTZWNyZXRXZWJob29rMDE=";
    private static final String ADMIN = "admin-Zq8xSecretAdminToken";
    private static final String APP_TOKEN = "app-K7pSecretAppToken";
    private static final String DEVICE_SECRET = Base64.getEncoder().encodeToString(
            "device-secret-Q4tYm2Lw9".getBytes(StandardCharsets.UTF_8));
    /** Wrong secrets an attacker or a clumsy client sends: they must not be echoed either. */
    private static final String WRONG = "Wr0ngSecretXyZ";

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> answers = new ArrayList<>();

    @Test
    void noSecretInAnyLogFileOrAnswer_underAnyInput() throws Exception {
        WebhookReceiver receiver = WebhookReceiver.start(WEBHOOK_SECRET);
        Path work = Files.createTempDirectory("callbridge-secrets");
        int mqtt = CallBridgeProcess.freePort();
        int relay = CallBridgeProcess.freePort();
        CallBridgeProcess callbridge = new CallBridgeProcess(work, Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(mqtt),
                "callbridge.p2p.port", String.valueOf(relay),
                "callbridge.admin.token", ADMIN,
                "callbridge.auth.tokens." + APP_TOKEN, "20001",
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", WEBHOOK_SECRET,
                "quarkus.log.level", "DEBUG",
                "quarkus.log.category.\"io.netty\".level", "INFO",
                "quarkus.log.category.\"com.hivemq\".level", "INFO"));
        try {
            callbridge.start();
            String api = callbridge.baseUrl();
            DeviceId device = new DeviceId("SECRETS001", "door01");

            // The management API: secrets that are too long, not base64, then the real one; a wrong bearer.
            answers.add(send(api + "/api/devices/" + device + "/secret", "PUT", ADMIN,
                    "{\"secret\":\"" + (WRONG + "A").repeat(20) + "\"}"));
            answers.add(send(api + "/api/devices/" + device + "/secret", "PUT", ADMIN, "{\"secret\":\"" + WRONG + "!\"}"));
            answers.add(send(api + "/api/devices/" + device + "/secret", "PUT", ADMIN, "{\"secret\":" + WRONG + "}"));
            answers.add(send(api + "/api/devices/" + device + "/secret", "PUT", ADMIN,
                    "{\"secret\":\"" + DEVICE_SECRET + "\"}"));
            answers.add(send(api + "/api/devices/" + device + "/users", "PUT", ADMIN, "{\"users\":[\"20001\"]}"));
            answers.add(send(api + "/api/calls", "GET", ADMIN + WRONG, null));
            answers.add(send(api + "/api/calls", "GET", WRONG, null));

            // The tokenapi: wrong tokens, a real one with broken Data.
            for (String token : List.of(WRONG, APP_TOKEN + WRONG, APP_TOKEN)) {
                answers.add(send(api + "/api/exploreropen/tokenapi", "POST", null, JSON.createObjectNode()
                        .put("Action", "AppControlDeviceData").put("RequestId", "r").put("AccessToken", token)
                        .put("ProductId", device.productId()).put("DeviceName", device.deviceName())
                        .put("Data", "{\"_sys_video_call_status\":9,\"x\":\"" + WRONG + "\"}").toString()));
            }
            answers.add(send(api + "/api/exploreropen/tokenapi", "POST", null, "{\"AccessToken\":\"" + APP_TOKEN
                    + "\",\"Action\":"));

            // MQTT: the device's real credentials (a whole ring), then wrong ones and a guessed service password.
            try (DeviceSim sim = DeviceSim.signedIn("tcp://127.0.0.1:" + mqtt, device, DEVICE_SECRET,
                    DeviceCredentials.Form.HMAC_SHA1)) {
                assertEquals(0, sim.awaitReply(sim.report(1, "20001")).path("code").asInt());
            }
            String username = DeviceCredentials.username(device, DeviceCredentials.Form.HMAC_SHA256, "c0nn1",
                    "4294967295");
            refused(mqtt, DeviceCredentials.clientId(device), username, WRONG + ";hmacsha256");
            refused(mqtt, DeviceCredentials.clientId(device), WRONG, WRONG);
            refused(mqtt, "callbridge-local-up", "callbridge", WRONG);

            // The relay: a device with the real secret signs in, one with a wrong password does not; a wrong app token.
            try (SimulatedDevice doorbell = new SimulatedDevice("tcp://127.0.0.1:" + mqtt, "ws://127.0.0.1:" + relay,
                    device.toString(), DEVICE_SECRET)) {
                answers.add(upgrade(relay, "/p2p/device/" + device, "Basic " + Base64.getEncoder().encodeToString(
                        (username + ":" + WRONG).getBytes(StandardCharsets.UTF_8))));
                answers.add(upgrade(relay, "/p2p/app/" + device, "Bearer " + WRONG));
            }
        } finally {
            callbridge.stop();
            receiver.close();
        }

        String servicePassword = Files.readString(work.resolve("data/broker/service-password")).trim();
        List<String> secrets = List.of(WEBHOOK_SECRET, WEBHOOK_SECRET.substring("whsec_".length()), ADMIN, APP_TOKEN,
                DEVICE_SECRET, servicePassword, WRONG);
        List<String> places = new ArrayList<>();
        places.add(callbridge.log());
        places.addAll(answers);
        try (Stream<Path> files = Files.walk(work)) {
            for (Path f : files.filter(Files::isRegularFile).filter(Secrets::isText).toList()) {
                places.add(f + ":\n" + Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        assertTrue(callbridge.log().contains("refused"), "the refusals were logged, without their secrets");
        for (String secret : secrets) {
            for (String place : places) {
                assertTrue(!place.contains(secret), "a secret (" + secret.substring(0, 4) + "…) is in: "
                        + excerpt(place, secret));
            }
        }
    }

    private void refused(int port, String clientId, String username, String password) throws Exception {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        MqttConnectionOptions o = new MqttConnectionOptions();
        o.setUserName(username);
        o.setPassword(password.getBytes(StandardCharsets.UTF_8));
        MqttException e = assertThrows(MqttException.class, () -> c.connect(o));
        answers.add(String.valueOf(e.getMessage()));
        c.close();
    }

    private String send(String url, String method, String bearer, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            r.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    /** A refused WebSocket upgrade: its status and body. */
    private String upgrade(int port, String path, String authorization) {
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> WsClient.connectWithAuthorization("ws://127.0.0.1:" + port + path, authorization).close());
        if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
            return h.getResponse().statusCode() + " " + h.getResponse().body();
        }
        return String.valueOf(e.getCause());
    }

    private static String excerpt(String place, String secret) {
        int i = place.indexOf(secret);
        int nl = place.indexOf('\n');
        String where = nl > 0 && nl < 200 ? place.substring(0, nl) : "";
        return where + " …" + place.substring(Math.max(0, i - 120), Math.min(place.length(), i + 40))
                .replace(secret, "<SECRET>") + "…";
    }
}
