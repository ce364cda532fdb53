package io.callbridge.broker;

import io.callbridge.call.CallStore.Registered;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The device registry as a Mosquitto password file and ACL, for a plain Mosquitto (no auth plugin) in front of
 * CallBridge: the same topic rules as the embedded broker, each device held to its own {@code $thing} topics.
 * <p>
 * A password file holds fixed credentials, so each device gets one platform credential that never changes until
 * its secret does: connection id {@value #CONNECTION_ID}, expiry {@value #NEVER} ("never", as firmware burns in),
 * HMAC-SHA256. Mosquitto's own format: {@code $7$} is PBKDF2-HMAC-SHA512 with 101 rounds, what
 * {@code mosquitto_passwd} writes. The salt is derived from the username (the password is a 256-bit signature, so
 * salts need only differ between users): the files change only when the registry does, and an operator reloads
 * Mosquitto only then.
 */
public final class MosquittoFiles {

    public static final String CONNECTION_ID = "00000";
    public static final String NEVER = "4294967295";
    private static final int ROUNDS = 101;

    private MosquittoFiles() {
    }

    /** The username of the device's fixed credential; with {@code use_username_as_clientid} also its client id. */
    public static String username(DeviceId device) {
        return DeviceCredentials.username(device, DeviceCredentials.Form.HMAC_SHA256, CONNECTION_ID, NEVER);
    }

    /** The password the device signs in with: the platform's signature of {@link #username}. */
    public static String password(DeviceId device, String base64Secret) {
        return DeviceCredentials.password(username(device), base64Secret);
    }

    public static String passwordFile(List<Registered> devices) {
        StringBuilder b = new StringBuilder("# Written by CallBridge from its device registry; do not edit.\n");
        for (Registered r : devices) {
            b.append(passwordLine(username(r.device()), password(r.device(), r.secret()))).append('\n');
        }
        return b.toString();
    }

    public static String aclFile(List<Registered> devices) {
        StringBuilder b = new StringBuilder("# Written by CallBridge from its device registry; do not edit.\n"
                + "# Each device publishes only on its own up topics and reads only its own down topics.\n");
        for (Registered r : devices) {
            DeviceId d = r.device();
            b.append('\n').append("user ").append(username(d)).append('\n')
                    .append("topic write $thing/up/+/").append(d).append('\n')
                    .append("topic read $thing/down/+/").append(d).append('\n');
        }
        return b.toString();
    }

    /** One line of a Mosquitto password file for this username and password. */
    static String passwordLine(String username, String password) {
        byte[] salt = Arrays.copyOf(sha256("callbridge mosquitto salt\n" + username), 12);
        try {
            byte[] hash = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, ROUNDS, 512)).getEncoded();
            Base64.Encoder b64 = Base64.getEncoder();
            return username + ":$7$" + ROUNDS + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is part of every JDK", e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
