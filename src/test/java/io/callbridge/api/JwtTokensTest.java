package io.callbridge.api;

import com.sun.net.httpserver.HttpServer;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.keys.HmacKey;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signed app tokens as a vendor's login server issues them: HMAC, and RSA keys published at a JWKS URL. */
class JwtTokensTest {

    private static final String SECRET = "a-login-server-secret-of-32-bytes-or-more";
    private static final String ISSUER = "https://login.vendor.example";
    private static final String AUDIENCE = "callbridge";

    private final JwtTokens hmac = new JwtTokens(new JwtTokens.Settings(SECRET, null, ISSUER, AUDIENCE, "sub",
            Duration.ofSeconds(30)));

    @Test
    void aTokenSignedWithTheSecretGivesItsUser() throws Exception {
        assertEquals(Optional.of("20001"), hmac.userOf(hs256(c -> { })));
    }

    @Test
    void expiredWrongIssuerWrongAudienceOrNoExpiryAreRefused() throws Exception {
        assertEquals(Optional.empty(), hmac.userOf(hs256(c -> c.setExpirationTimeMinutesInTheFuture(-2))));
        assertEquals(Optional.empty(), hmac.userOf(hs256(c -> c.setIssuer("https://evil.example"))));
        assertEquals(Optional.empty(), hmac.userOf(hs256(c -> c.setAudience("another-service"))));
        assertEquals(Optional.empty(), hmac.userOf(hs256(c -> c.unsetClaim("exp"))));
        assertEquals(Optional.empty(), hmac.userOf(hs256(c -> c.unsetClaim("sub"))), "no user claim");
        assertEquals(Optional.empty(), hmac.userOf(hs256(c -> c.setSubject("a/b+c"))), "not a user id");
    }

    @Test
    void anotherKeyAnUnsignedTokenOrGarbageIsRefused() throws Exception {
        assertEquals(Optional.empty(), hmac.userOf(sign(claims(c -> { }), AlgorithmIdentifiers.HMAC_SHA256,
                new HmacKey("another-secret-that-is-also-32-bytes-long".getBytes(StandardCharsets.UTF_8)), null)));
        JsonWebSignature none = new JsonWebSignature();
        none.setPayload(claims(c -> { }).toJson());
        none.setAlgorithmHeaderValue(AlgorithmIdentifiers.NONE);
        none.setAlgorithmConstraints(org.jose4j.jwa.AlgorithmConstraints.NO_CONSTRAINTS);
        assertEquals(Optional.empty(), hmac.userOf(none.getCompactSerialization()), "alg none");
        for (String junk : new String[] {"", "a.b.c", "not-a-jwt", "x.y", "..", "e30.e30.e30"}) {
            assertEquals(Optional.empty(), hmac.userOf(junk), junk);
        }
        assertEquals(Optional.empty(), hmac.userOf(null));
    }

    @Test
    void aUserClaimOtherThanSubCanBeConfigured() throws Exception {
        JwtTokens uid = new JwtTokens(new JwtTokens.Settings(SECRET, null, ISSUER, AUDIENCE, "uid", Duration.ZERO));
        assertEquals(Optional.of("20002"), uid.userOf(hs256(c -> c.setClaim("uid", 20002))));
    }

    @Test
    void settingsThatWouldLetTokensOfOtherServicesInAreRefusedAtStart() {
        assertThrows(IllegalArgumentException.class,
                () -> new JwtTokens.Settings(SECRET, null, ISSUER, null, "sub", Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new JwtTokens.Settings(SECRET, null, null, AUDIENCE, "sub", Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new JwtTokens.Settings("short", null, ISSUER, AUDIENCE, "sub", Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> new JwtTokens.Settings(null, null, ISSUER, AUDIENCE, "sub", Duration.ZERO));
    }

    /** The login server's keys come from its JWKS URL; a new key is fetched when a token names it. */
    @Test
    void publicKeysFromAJwksUrl_fetchedAndCached_andARotatedKeyIsPickedUp() throws Exception {
        RsaJsonWebKey first = RsaJwkGenerator.generateJwk(2048);
        first.setKeyId("k1");
        RsaJsonWebKey second = RsaJwkGenerator.generateJwk(2048);
        second.setKeyId("k2");
        AtomicReference<List<JsonWebKey>> published = new AtomicReference<>(List.of(first));
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = new JsonWebKeySet(published.get()).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY)
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            JwtTokens jwks = new JwtTokens(new JwtTokens.Settings(null, "http://127.0.0.1:" + server.getAddress().getPort()
                    + "/jwks", ISSUER, AUDIENCE, "sub", Duration.ofSeconds(30)));
            String byFirst = sign(claims(c -> { }), AlgorithmIdentifiers.RSA_USING_SHA256, first.getPrivateKey(), "k1");
            assertEquals(Optional.of("20001"), jwks.userOf(byFirst));
            assertEquals(Optional.of("20001"), jwks.userOf(byFirst));
            assertEquals(1, fetches.get(), "the keys are cached");

            published.set(List.of(first, second));
            String bySecond = sign(claims(c -> c.setSubject("20002")), AlgorithmIdentifiers.RSA_USING_SHA256,
                    second.getPrivateKey(), "k2");
            // jose4j refetches for an unknown key id, at most once per reprieve (300 ms): random key ids from an
            // attacker cannot hammer the login server.
            org.awaitility.Awaitility.await("a rotated key is fetched").atMost(Duration.ofSeconds(5))
                    .until(() -> jwks.userOf(bySecond).equals(Optional.of("20002")));
            assertTrue(fetches.get() >= 2);

            // A token signed with the secret-as-HMAC trick (alg confusion) is not taken on a JWKS verifier.
            assertEquals(Optional.empty(), jwks.userOf(hs256(c -> { })));
            RsaJsonWebKey stranger = RsaJwkGenerator.generateJwk(2048);
            stranger.setKeyId("k1");
            assertEquals(Optional.empty(), jwks.userOf(sign(claims(c -> { }), AlgorithmIdentifiers.RSA_USING_SHA256,
                    stranger.getPrivateKey(), "k1")), "a key nobody published");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theConfiguredTokensComeFirst_thenSignedOnes() throws Exception {
        TokenVerifier both = JwtTokens.either(new ConfiguredTokens(java.util.Map.of("demo-token", "20009")), hmac);
        assertEquals(Optional.of("20009"), both.userOf("demo-token"));
        assertEquals(Optional.of("20001"), both.userOf(hs256(c -> { })));
        assertEquals(Optional.empty(), both.userOf("guess"));
    }

    static JwtClaims claims(Consumer<JwtClaims> change) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(ISSUER);
        c.setAudience(AUDIENCE);
        c.setSubject("20001");
        c.setExpirationTimeMinutesInTheFuture(10);
        c.setIssuedAtToNow();
        change.accept(c);
        return c;
    }

    static String hs256(Consumer<JwtClaims> change) throws Exception {
        return sign(claims(change), AlgorithmIdentifiers.HMAC_SHA256, new HmacKey(SECRET.getBytes(StandardCharsets.UTF_8)),
                null);
    }

    static String sign(JwtClaims claims, String alg, Key key, String kid) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setAlgorithmHeaderValue(alg);
        jws.setKey(key);
        if (kid != null) {
            jws.setKeyIdHeaderValue(kid);
        }
        jws.setDoKeyValidation(false);
        return jws.getCompactSerialization();
    }
}
