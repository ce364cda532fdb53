package io.callbridge.thing;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The platform's device sign-in (protocol §2), as its device SDK sends it for MQTT: the username
 * {@code {ProductId}{DeviceName};12010126;{connection id};{expiry, unix seconds}} and the password
 * {@code hex(HMAC-SHA256(base64-decoded device secret, username));hmacsha256}. The P2P relay checks the same
 * credentials, so a device signs in there exactly as it does on a broker that authenticates devices.
 */
public final class DeviceCredentials {

    public static final String SDK_APP_ID = "12010126";
    private static final String ALGORITHM = "hmacsha256";
    private static final int MIN_SECRET_BYTES = 16;

    private DeviceCredentials() {
    }

    /** The username a device builds for a connection that is valid until {@code expiresAt} (unix seconds). */
    public static String username(DeviceId device, String connectionId, long expiresAt) {
        return device.productId() + device.deviceName() + ";" + SDK_APP_ID + ";" + connectionId + ";" + expiresAt;
    }

    /** The password for that username. */
    public static String password(String username, String base64Secret) {
        return HexFormat.of().formatHex(hmac(key(base64Secret), username)) + ";" + ALGORITHM;
    }

    /**
     * A device secret as the platform shows it: base64 of at least 16 bytes.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static String requireValidSecret(String base64Secret) {
        key(base64Secret);
        return base64Secret;
    }

    /**
     * Why these credentials do not sign the device in at {@code now} (unix seconds), or empty when they do.
     * The reason names what is wrong but never the expected value.
     */
    public static Optional<String> refusal(DeviceId device, String base64Secret, String username, String password,
            long now) {
        if (username == null || password == null) {
            return Optional.of("credentials required: HTTP Basic with the device's username and password");
        }
        String[] u = username.split(";", -1);
        if (u.length != 4 || !u[0].equals(device.productId() + device.deviceName())) {
            return Optional.of("username must be " + device.productId() + device.deviceName()
                    + ";" + SDK_APP_ID + ";<connection id>;<expiry>");
        }
        long expiresAt;
        try {
            expiresAt = Long.parseLong(u[3]);
        } catch (NumberFormatException e) {
            return Optional.of("the username's expiry is not a unix time in seconds");
        }
        if (expiresAt <= now) {
            return Optional.of("the credentials expired at " + expiresAt);
        }
        int semicolon = password.lastIndexOf(';');
        if (semicolon < 0 || !password.substring(semicolon + 1).equalsIgnoreCase(ALGORITHM)) {
            return Optional.of("password must be <hex HMAC-SHA256>;" + ALGORITHM);
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(password.substring(0, semicolon));
        } catch (IllegalArgumentException e) {
            return Optional.of("password must be <hex HMAC-SHA256>;" + ALGORITHM);
        }
        if (!MessageDigest.isEqual(hmac(key(base64Secret), username), given)) {
            return Optional.of("wrong signature for " + device);
        }
        return Optional.empty();
    }

    private static byte[] key(String base64Secret) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64Secret == null ? "" : base64Secret.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a device secret must be base64");
        }
        if (key.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("a device secret must be base64 of at least " + MIN_SECRET_BYTES
                    + " bytes");
        }
        return key;
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
