package io.callbridge.api;

import io.callbridge.thing.UserIds;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwk.HttpsJwks;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.HmacKey;
import org.jose4j.keys.resolvers.HttpsJwksVerificationKeyResolver;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * App access tokens signed by the vendor's own login server: a JWT with HMAC (a shared secret) or with public keys
 * from a JWKS URL, fetched and cached by jose4j (refetched when a token names a key it does not have). Expiry,
 * issuer and audience are checked; the user is the configured claim. A token that is not valid is refused,
 * saying why in the log but never quoting it.
 */
public final class JwtTokens implements TokenVerifier {

    /** Exactly one of {@code hmacSecret} and {@code jwksUrl}. */
    public record Settings(String hmacSecret, String jwksUrl, String issuer, String audience, String userClaim,
            Duration clockSkew) {

        public Settings {
            if ((hmacSecret == null) == (jwksUrl == null)) {
                throw new IllegalArgumentException("signed app tokens need one of callbridge.auth.jwt.hmac-secret and"
                        + " callbridge.auth.jwt.jwks-url");
            }
            if (hmacSecret != null && hmacSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
                throw new IllegalArgumentException("callbridge.auth.jwt.hmac-secret must be at least 32 bytes");
            }
            if (issuer == null || issuer.isBlank() || audience == null || audience.isBlank()) {
                throw new IllegalArgumentException("signed app tokens need callbridge.auth.jwt.issuer and"
                        + " callbridge.auth.jwt.audience: a token for another service must not open this one");
            }
            Objects.requireNonNull(userClaim, "userClaim");
        }
    }

    private static final Logger LOG = Logger.getLogger(JwtTokens.class);

    private final JwtConsumer consumer;
    private final String userClaim;

    public JwtTokens(Settings settings) {
        JwtConsumerBuilder b = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds((int) settings.clockSkew().toSeconds())
                .setExpectedIssuer(settings.issuer())
                .setExpectedAudience(settings.audience());
        if (settings.hmacSecret() != null) {
            b.setVerificationKey(new HmacKey(settings.hmacSecret().getBytes(StandardCharsets.UTF_8)))
                    .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                            AlgorithmIdentifiers.HMAC_SHA256, AlgorithmIdentifiers.HMAC_SHA384,
                            AlgorithmIdentifiers.HMAC_SHA512);
        } else {
            b.setVerificationKeyResolver(new HttpsJwksVerificationKeyResolver(new HttpsJwks(settings.jwksUrl())))
                    .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                            AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
                            AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.RSA_PSS_USING_SHA256,
                            AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256,
                            AlgorithmIdentifiers.ECDSA_USING_P384_CURVE_AND_SHA384);
        }
        this.consumer = b.build();
        this.userClaim = settings.userClaim();
    }

    @Override
    public Optional<String> userOf(String accessToken) {
        if (accessToken == null || accessToken.chars().filter(c -> c == '.').count() != 2) {
            return Optional.empty();
        }
        try {
            JwtClaims claims = consumer.processToClaims(accessToken);
            Object user = claims.getClaimValue(userClaim);
            String id = user instanceof String s ? s : user instanceof Number n ? n.toString() : null;
            if (id == null) {
                LOG.infof("A signed app token was refused: it has no %s claim", userClaim);
                return Optional.empty();
            }
            UserIds.requireValid(id);
            return Optional.of(id);
        } catch (InvalidJwtException e) {
            // jose4j's details quote the claims, not the signature; the reason codes say enough.
            LOG.debugf("A signed app token was refused: %s", e.getErrorDetails().stream()
                    .map(d -> String.valueOf(d.getErrorCode())).toList());
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            LOG.infof("A signed app token was refused: its %s is not a user id", userClaim);
            return Optional.empty();
        }
    }

    /** The configured tokens first, then signed ones. */
    public static TokenVerifier either(TokenVerifier configured, TokenVerifier signed) {
        return token -> configured.userOf(token).or(() -> signed.userOf(token));
    }
}
