package io.callbridge.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Real parts for @QuarkusTest: the embedded broker on a free port (or the broker named by
 * CALLBRIDGE_MQTT_BROKER_URL, e.g. Mosquitto in CI), a real HTTP server receiving the webhooks, app tokens.
 */
public class CallBridgeTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(randomBytes());
    /** The management API's bearer token (callbridge.admin.token). */
    public static final String ADMIN_TOKEN = "admin-" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());

    public static final String JWT_SECRET = "jwt-" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
    public static final String JWT_ISSUER = "https://login.vendor.example";

    /** An app token signed as the vendor's login server would, for {@code user}, valid that many minutes. */
    public static String signedToken(String user, int minutes) {
        org.jose4j.jwt.JwtClaims claims = new org.jose4j.jwt.JwtClaims();
        claims.setIssuer(JWT_ISSUER);
        claims.setAudience("callbridge");
        claims.setSubject(user);
        claims.setExpirationTimeMinutesInTheFuture(minutes);
        org.jose4j.jws.JsonWebSignature jws = new org.jose4j.jws.JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(org.jose4j.jws.AlgorithmIdentifiers.HMAC_SHA256);
        jws.setKey(new org.jose4j.keys.HmacKey(JWT_SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        try {
            return Secrets.used(jws.getCompactSerialization());
        } catch (org.jose4j.lang.JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private WebhookReceiver receiver;

    @Override
    public Map<String, String> start() {
        receiver = WebhookReceiver.start(SECRET);
        Map<String, String> config = new HashMap<>();
        config.put("callbridge.webhooks.url", receiver.url());
        // Unique per run: two builds on one machine may share a broker; short sessions leave nothing behind.
        config.put("callbridge.mqtt.client-id", "callbridge-test-" + java.util.UUID.randomUUID());
        config.put("callbridge.mqtt.session-expiry-seconds", "120");
        config.put("callbridge.webhooks.secret", SECRET);
        config.put("callbridge.admin.token", ADMIN_TOKEN);
        config.put("callbridge.webhooks.urgent.retry-delay", "200ms");
        config.put("callbridge.webhooks.urgent.retry-for", "3s");
        config.put("callbridge.webhooks.record.retry-delay", "200ms");
        config.put("callbridge.webhooks.record.max-retry-delay", "1s");
        config.put("callbridge.webhooks.timeout", "2s");
        config.put("callbridge.call.ring-timeout", "6s");
        config.put("callbridge.call.connect-timeout", "6s");
        config.put("callbridge.call.media-grace", "2s");
        config.put("callbridge.call.offline-grace", "2s");
        config.put("callbridge.p2p.port", "0");
        // AppPushTest plays the SDKs' keep-alive against it: an idle minute scaled down to seconds.
        config.put("callbridge.push.idle-timeout", "4s");
        config.put("callbridge.p2p.command-timeout", "2s");
        config.put("callbridge.p2p.access-check-interval", "300ms");
        // Every test calls from 127.0.0.1, some with refused tokens on purpose: LimitsIT checks the default rates.
        config.put("callbridge.limits.api-per-address-per-second", "0");
        config.put("callbridge.limits.api-per-token-per-second", "0");
        config.put("callbridge.limits.api-failures-per-address-per-second", "0");
        // Signed tokens as a vendor's login server issues them, beside the static ones.
        config.put("callbridge.auth.jwt.hmac-secret", JWT_SECRET);
        config.put("callbridge.auth.jwt.issuer", JWT_ISSUER);
        config.put("callbridge.auth.jwt.audience", "callbridge");
        for (String user : new String[] {"20001", "20002", "20003"}) {
            config.put("callbridge.auth.tokens.token-" + user, user);
        }
        try {
            java.nio.file.Path data = Files.createTempDirectory("callbridge-test");
            config.put("callbridge.data-dir", data.toString());
            Secrets.logDir(data);
            Secrets.secretIn(data.resolve("broker").resolve("service-password"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // The whole run's logs are searched for every secret the tests used (WholeRunLeaksNoSecretsIT).
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", Secrets.QUARKUS_LOG.toAbsolutePath().toString());
        config.put("quarkus.log.file.rotation.max-file-size", "2G");
        Secrets.logDir(Secrets.QUARKUS_LOG.toAbsolutePath().getParent());
        config.forEach(Secrets::usedIn);
        Secrets.used(SECRET.substring("whsec_".length()));
        if (System.getenv("CALLBRIDGE_MQTT_BROKER_URL") == null) {
            config.put("callbridge.mqtt.embedded.port", String.valueOf(freePort()));
        }
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(receiver, new TestInjector.MatchesType(WebhookReceiver.class));
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
