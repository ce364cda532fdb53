package io.callbridge.webhook;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;

class WebhookSignerTest {

    // Published Standard Webhooks test vector.
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long TIMESTAMP = 1614265330L;
    static final String BODY = "{\"test\": 2432232314}";
    static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void publishedTestVector() {
        Map<String, String> headers = new WebhookSigner(SECRET).headers(ID, TIMESTAMP, BODY);

        assertEquals(Map.of(
                "webhook-id", ID,
                "webhook-timestamp", "1614265330",
                "webhook-signature", SIGNATURE), headers);
        assertEquals(List.of("webhook-id", "webhook-timestamp", "webhook-signature"), List.copyOf(headers.keySet()));
    }

    @Test
    void prefixIsOptionalAsInTheLibrary() {
        String bare = SECRET.substring("whsec_".length());
        assertEquals(SIGNATURE, new WebhookSigner(bare).headers(ID, TIMESTAMP, BODY).get("webhook-signature"));
    }

    @Test
    void headersVerifyWithTheReferenceLibrary() throws Exception {
        // verify() rejects timestamps more than 5 minutes from now, so the round trip uses the current time.
        long now = Instant.now().getEpochSecond();
        Map<String, String> headers = new WebhookSigner(SECRET).headers(ID, now, BODY);

        assertDoesNotThrow(() -> new Webhook(SECRET).verify(BODY, multi(headers)));
    }

    @Test
    void bodyChangedByOneByteFailsVerification() throws Exception {
        long now = Instant.now().getEpochSecond();
        Map<String, String> headers = new WebhookSigner(SECRET).headers(ID, now, BODY);
        String tampered = BODY.replace("2432232314", "2432232315");

        assertEquals(BODY.length(), tampered.length());
        assertThrows(WebhookVerificationException.class, () -> new Webhook(SECRET).verify(tampered, multi(headers)));
    }

    @Test
    void otherSecretFailsVerification() throws Exception {
        long now = Instant.now().getEpochSecond();
        Map<String, String> headers = new WebhookSigner("whsec_" + "A".repeat(32)).headers(ID, now, BODY);

        assertThrows(WebhookVerificationException.class, () -> new Webhook(SECRET).verify(BODY, multi(headers)));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   "})
    void blankSecretIsRejectedClearly(String secret) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WebhookSigner(secret));
        assertTrue(e.getMessage().contains("must not be blank"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"whsec_not base64!!", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA", "whsec_%%%%", "whsec_"})
    void invalidSecretIsRejectedClearly(String secret) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WebhookSigner(secret));
        assertTrue(e.getMessage().startsWith("Webhook secret is not valid"), e.getMessage());
        String key = secret.substring("whsec_".length());
        assertTrue(key.isEmpty() || !e.getMessage().contains(key), "the message must not echo the secret");
    }

    @Test
    void blankWebhookIdIsRejected() {
        WebhookSigner signer = new WebhookSigner(SECRET);
        assertThrows(IllegalArgumentException.class, () -> signer.headers(" ", TIMESTAMP, BODY));
    }

    private static Map<String, List<String>> multi(Map<String, String> headers) {
        return headers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue())));
    }
}
