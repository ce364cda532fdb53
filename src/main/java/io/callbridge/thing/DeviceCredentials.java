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
 * The platform's device sign-in (protocol §2), in both forms its device SDKs send: the username
 * {@code {ProductId}{DeviceName};{sdk app id};{connection id};{expiry}} and the password
 * {@code hex(HMAC(base64-decoded device secret, username));hmacsha256} (the Java SDK, app id 12010126) or
 * {@code …;hmacsha1} (the C and Python SDKs, app id 21010406). The expiry is read as unix seconds, as the platform
 * does: "never" values burnt into firmware (4294967295, LONG_MAX) and the Python SDK's milliseconds are far in the
 * future and pass; a past one does not. The embedded broker and the P2P relay check the same credentials.
 */
public final class DeviceCredentials {

    public static final String SDK_APP_ID = "12010126";

    /** The two signatures the platform's SDKs make. */
    public enum Form {
        /** The Java (Android) SDK. */
        HMAC_SHA256("12010126", "hmacsha256", "HmacSHA256"),
        /** The C SDK (most doorbells) and the Python SDK. */
        HMAC_SHA1("21010406", "hmacsha1", "HmacSHA1");

        final String sdkAppId;
        final String suffix;
        final String jca;

        Form(String sdkAppId, String suffix, String jca) {
            this.sdkAppId = sdkAppId;
            this.suffix = suffix;
            this.jca = jca;
        }

        public String sdkAppId() {
            return sdkAppId;
        }

        static Form ofSuffix(String suffix) {
            for (Form f : values()) {
                if (f.suffix.equalsIgnoreCase(suffix)) {
                    return f;
                }
            }
            return null;
        }
    }

    private static final int MIN_SECRET_BYTES = 16;
    /** The longest secret kept (the platform's are 24 or 44 characters); a longer one is refused, never stored. */
    public static final int MAX_SECRET_CHARS = 200;
    private static final int MAX_FIELD_CHARS = 512;

    private DeviceCredentials() {
    }

    /** The Java SDK's username for a connection that is valid until {@code expiresAt} (unix seconds). */
    public static String username(DeviceId device, String connectionId, long expiresAt) {
        return username(device, Form.HMAC_SHA256, connectionId, String.valueOf(expiresAt));
    }

    /** The username of either form; {@code expiry} as the device writes it. */
    public static String username(DeviceId device, Form form, String connectionId, String expiry) {
        return clientId(device) + ";" + form.sdkAppId + ";" + connectionId + ";" + expiry;
    }

    /** The client id the platform's SDKs connect with: {@code {ProductId}{DeviceName}}. */
    public static String clientId(DeviceId device) {
        return device.productId() + device.deviceName();
    }

    /** The Java SDK's password for that username. */
    public static String password(String username, String base64Secret) {
        return password(username, base64Secret, Form.HMAC_SHA256);
    }

    public static String password(String username, String base64Secret, Form form) {
        return HexFormat.of().formatHex(hmac(form, key(base64Secret), username)) + ";" + form.suffix;
    }

    /**
     * A device secret as the platform shows it: base64 of at least 16 bytes.
     *
     * @throws IllegalArgumentException saying what is wrong, never quoting the secret
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
            return Optional.of("credentials required: the device's username and password");
        }
        if (username.length() > MAX_FIELD_CHARS || password.length() > MAX_FIELD_CHARS) {
            return Optional.of("username or password too long");
        }
        String[] u = username.split(";", -1);
        if (u.length != 4 || !u[0].equals(clientId(device)) || u[1].isEmpty()) {
            return Optional.of("username must be " + clientId(device) + ";<sdk app id>;<connection id>;<expiry>");
        }
        if (!expiresAfter(u[3], now)) {
            return Optional.of("the username's expiry is not a unix time in seconds after now");
        }
        int semicolon = password.lastIndexOf(';');
        Form form = semicolon < 0 ? null : Form.ofSuffix(password.substring(semicolon + 1));
        if (form == null) {
            return Optional.of("password must be <hex HMAC>;hmacsha256 or ;hmacsha1");
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(password.substring(0, semicolon));
        } catch (IllegalArgumentException e) {
            return Optional.of("password must be <hex HMAC>;" + form.suffix);
        }
        if (!MessageDigest.isEqual(hmac(form, key(base64Secret), username), given)) {
            return Optional.of("wrong signature for " + device);
        }
        return Optional.empty();
    }

    /** Digits only; beyond a long it is a "never" as surely as LONG_MAX is. */
    private static boolean expiresAfter(String expiry, long now) {
        if (expiry.isEmpty() || expiry.length() > 20 || !expiry.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        try {
            return Long.parseLong(expiry) > now;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static byte[] key(String base64Secret) {
        if (base64Secret != null && base64Secret.length() > MAX_SECRET_CHARS) {
            throw new IllegalArgumentException("a device secret must be at most " + MAX_SECRET_CHARS + " characters");
        }
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

    private static byte[] hmac(Form form, byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance(form.jca);
            mac.init(new SecretKeySpec(key, form.jca));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(form.jca + " is part of every JDK", e);
        }
    }
}
