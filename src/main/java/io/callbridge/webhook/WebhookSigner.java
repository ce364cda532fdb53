package io.callbridge.webhook;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookSigningException;

/**
 * Signs outgoing webhooks per Standard Webhooks (https://www.standardwebhooks.com/), delegating the
 * HMAC to the reference library so that receivers using any Standard Webhooks library can verify them.
 * Immutable and thread-safe.
 */
public final class WebhookSigner {

    public static final String HEADER_ID = "webhook-id";
    public static final String HEADER_TIMESTAMP = "webhook-timestamp";
    public static final String HEADER_SIGNATURE = "webhook-signature";

    private static final String SECRET_PREFIX = "whsec_";

    private final Webhook webhook;

    /**
     * @param secret {@code whsec_<base64>}, or the bare base64 key (the prefix is optional, as in the library)
     * @throws IllegalArgumentException when the secret is blank or not valid base64
     */
    public WebhookSigner(String secret) {
        this.webhook = newWebhook(decodeKey(secret));
    }

    /**
     * Header names and values to send with this exact body: webhook-id, webhook-timestamp, webhook-signature.
     * The body must go out byte for byte as given, UTF-8 encoded: the signature covers those bytes.
     *
     * @param webhookId unique per message, and the same on every retry of it (receivers de-duplicate on it)
     * @param timestampSeconds Unix time in seconds of this attempt; receivers reject ones more than 5 min off
     * @return unmodifiable map in the order webhook-id, webhook-timestamp, webhook-signature
     */
    public Map<String, String> headers(String webhookId, long timestampSeconds, String body) {
        if (webhookId == null || webhookId.isBlank()) {
            throw new IllegalArgumentException("webhookId must not be blank");
        }
        if (timestampSeconds < 0) {
            throw new IllegalArgumentException("timestampSeconds must not be negative: " + timestampSeconds);
        }
        Objects.requireNonNull(body, "body");
        String signature;
        try {
            signature = webhook.sign(webhookId, timestampSeconds, body);
        } catch (WebhookSigningException e) {
            // Only thrown when the JDK lacks HmacSHA256 or rejects the key: a broken runtime, not bad input.
            throw new IllegalStateException("Cannot sign webhook: " + e.getMessage(), e);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(HEADER_ID, webhookId);
        headers.put(HEADER_TIMESTAMP, Long.toString(timestampSeconds));
        headers.put(HEADER_SIGNATURE, signature);
        return Collections.unmodifiableMap(headers);
    }

    // Decoded here rather than by the library, whose bare Base64 IllegalArgumentException (or NPE on null)
    // says nothing about which setting is wrong. Messages never echo the secret.
    private static byte[] decodeKey(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("Webhook secret must not be blank; expected whsec_<base64>");
        }
        String base64 = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Webhook secret is not valid: expected whsec_ followed by standard base64 (" + e.getMessage() + ")");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("Webhook secret is not valid: the base64 key after whsec_ is empty");
        }
        return key;
    }

    private static Webhook newWebhook(byte[] key) {
        try {
            return new Webhook(key);
        } catch (EmptyWebhookSecretException e) {
            throw new IllegalArgumentException("Webhook secret must not be empty", e); // unreachable: checked above
        }
    }
}
