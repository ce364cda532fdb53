package io.callbridge.e2e;

import io.callbridge.sim.SimulatedDevice;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS from configuration, one key store for all (issue 8): devices on the embedded broker's TLS listener, the app
 * API over HTTPS (Quarkus's TLS registry), the P2P relay over wss. A client that does not trust the certificate
 * gets no connection.
 */
class TlsIT {

    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String STORE_PASSWORD = "tls-it-store";
    private static final String DEVICE_SECRET = "q1cVZbD8yVn1Vb7hY0o3mJm9t0kq2bX4t6Ck8w3r6QU=";

    @Test
    void devicesTheApiAndTheRelaySpeakTls_andAnUntrustedClientGetsNoConnection() throws Exception {
        Path work = Files.createTempDirectory("callbridge-tls");
        Path store = work.resolve("callbridge.p12");
        keytool(store);
        SSLContext trusting = trusting(store);
        int mqtt = CallBridgeProcess.freePort();
        int mqtts = CallBridgeProcess.freePort();
        int https = CallBridgeProcess.freePort();
        int relay = CallBridgeProcess.freePort();
        WebhookReceiver receiver = WebhookReceiver.start(WEBHOOK_SECRET);
        CallBridgeProcess callbridge = new CallBridgeProcess(work, Map.ofEntries(
                Map.entry("callbridge.mqtt.embedded.port", String.valueOf(mqtt)),
                Map.entry("callbridge.mqtt.embedded.tls-port", String.valueOf(mqtts)),
                Map.entry("callbridge.tls.key-store", store.toString()),
                Map.entry("callbridge.tls.key-store-password", STORE_PASSWORD),
                Map.entry("callbridge.p2p.port", String.valueOf(relay)),
                Map.entry("callbridge.p2p.tls", "true"),
                Map.entry("quarkus.tls.key-store.p12.path", store.toString()),
                Map.entry("quarkus.tls.key-store.p12.password", STORE_PASSWORD),
                Map.entry("quarkus.http.ssl-port", String.valueOf(https)),
                Map.entry("callbridge.auth.tokens.demo-token", "20001"),
                Map.entry("callbridge.webhooks.url", receiver.url()),
                Map.entry("callbridge.webhooks.secret", WEBHOOK_SECRET)));
        try {
            callbridge.start();
            assertTrue(callbridge.log().contains("TLS on ssl://127.0.0.1:" + mqtts), callbridge.log());
            DeviceId device = new DeviceId("TLS0000001", "door01");
            var put = callbridge.put("/api/devices/" + device + "/secret", "{\"secret\":\"" + DEVICE_SECRET + "\"}");
            assertEquals(200, put.statusCode(), put.body());

            // MQTT over TLS, signed in as the Java SDK does.
            String username = DeviceCredentials.username(device, "tls01", System.currentTimeMillis() / 1000 + 600);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setSocketFactory(trusting.getSocketFactory());
            options.setUserName(username);
            options.setPassword(DeviceCredentials.password(username, DEVICE_SECRET).getBytes(StandardCharsets.UTF_8));
            MqttClient tls = new MqttClient("ssl://127.0.0.1:" + mqtts, DeviceCredentials.clientId(device),
                    new MemoryPersistence());
            java.util.concurrent.BlockingQueue<String> down = new java.util.concurrent.LinkedBlockingQueue<>();
            tls.setCallback(io.callbridge.sim.MqttMessages.onMessage((t, m) -> down.add(new String(m.getPayload(),
                    StandardCharsets.UTF_8))));
            tls.connect(options);
            tls.subscribe("$thing/down/property/" + device, 0);
            tls.publish("$thing/up/property/" + device, "{\"method\":\"report\",\"clientToken\":\"t1\",\"params\":{}}"
                    .getBytes(StandardCharsets.UTF_8), 1, false);
            String reply = down.poll(15, TimeUnit.SECONDS);
            assertTrue(reply != null && reply.contains("\"report_reply\"") && reply.contains("\"code\":0"), reply);
            tls.disconnect();
            tls.close();

            // A client that does not trust the certificate gets nothing.
            MqttConnectionOptions untrusting = new MqttConnectionOptions();
            untrusting.setSocketFactory(SSLContext.getDefault().getSocketFactory());
            MqttClient stranger = new MqttClient("ssl://127.0.0.1:" + mqtts, "stranger", new MemoryPersistence());
            assertThrows(MqttException.class, () -> stranger.connect(untrusting));
            stranger.close();

            // The app API over HTTPS.
            HttpClient client = HttpClient.newBuilder().sslContext(trusting).build();
            HttpResponse<String> api = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https
                    + "/api/exploreropen/tokenapi")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"Action\":\"AppGetDeviceData\",\"RequestId\":\"r\","
                            + "\"AccessToken\":\"demo-token\",\"ProductId\":\"TLS0000001\",\"DeviceName\":\"door01\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, api.statusCode());
            assertTrue(api.body().contains("\"Response\""), api.body());

            // The relay over wss: the device signs in with its credentials.
            WebSocket ws = client.newWebSocketBuilder().header("Authorization", SimulatedDevice.basic(device, DEVICE_SECRET))
                    .buildAsync(URI.create("wss://127.0.0.1:" + relay + "/p2p/device/" + device), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            w.request(1);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            assertThrows(Exception.class, () -> HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("wss://127.0.0.1:" + relay + "/p2p/device/" + device),
                            new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS), "an untrusting client");
            // The embedded broker's configuration quotes the key store's password: its owner's alone.
            assertEquals(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
                    Files.getPosixFilePermissions(work.resolve("data/broker/hivemq/conf/config.xml")));
        } finally {
            callbridge.stop();
            receiver.close();
        }
    }

    /** A self-signed certificate for 127.0.0.1, made with the JDK's keytool. */
    private static void keytool(Path store) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "callbridge", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", STORE_PASSWORD,
                "-keypass", STORE_PASSWORD).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool: " + out);
    }

    private static SSLContext trusting(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("callbridge", ks.getCertificate("callbridge"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
