package io.callbridge.bench;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Standard Webhooks signatures: {@code v1,base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>"))}, key from {@code whsec_<base64>}. */
public final class Webhooks {

    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    private Webhooks() {
    }

    /** A fresh random secret, written the Standard Webhooks way. */
    public static String newSecret() {
        byte[] key = new byte[24];
        new SecureRandom().nextBytes(key);
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }

    public static byte[] key(String secret) {
        String b64 = secret.startsWith("whsec_") ? secret.substring("whsec_".length()) : secret;
        return Base64.getDecoder().decode(b64);
    }

    public static String sign(byte[] key, String id, long timestamp, byte[] body) {
        return "v1," + Base64.getEncoder().encodeToString(hmac(key, id, Long.toString(timestamp), body));
    }

    /** True when one of the space-separated {@code v1,…} signatures of the header matches. */
    public static boolean verify(byte[] key, String id, String timestamp, byte[] body, String signatureHeader) {
        if (id == null || timestamp == null || signatureHeader == null) {
            return false;
        }
        byte[] expected = hmac(key, id, timestamp, body);
        for (String sig : signatureHeader.trim().split(" +")) {
            if (!sig.startsWith("v1,")) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(sig.substring(3));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] hmac(byte[] key, String id, String timestamp, byte[] body) {
        Mac mac = MAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        mac.update(id.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) '.');
        mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) '.');
        mac.update(body);
        return mac.doFinal();
    }

    /** The published test vector of the Standard Webhooks specification; the harness refuses to run if it fails. */
    static void selfTest() {
        byte[] key = key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        String sig = sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330L, body);
        if (!sig.equals("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
                || !verify(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body, "v1,bogus " + sig)) {
            throw new IllegalStateException("Standard Webhooks test vector failed: " + sig);
        }
    }
}
