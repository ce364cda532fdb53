package io.callbridge.thing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceCredentialsTest {

    private static final DeviceId DEVICE = DeviceId.parse("OIUYKJHGBV/device01");
    /** base64 of "secret-key-for-device01". */
    private static final String SECRET = "c2VjcmV0LWtleS1mb3ItZGV2aWNlMDE=";
    private static final String USERNAME = "OIUYKJHGBVdevice01;12010126;ABCDE;1893456000";
    /** Computed apart from this code: Python's hmac.new(key, username, sha256).hexdigest(). */
    private static final String PASSWORD = "07529671cfb6c296654b709edc101f984d0f4587f54c68bcb5ece38d6ba4598b;hmacsha256";
    private static final long BEFORE_EXPIRY = 1893455999L;

    @Test
    void signsTheWayThePlatformsDeviceSdkDoes() {
        assertEquals(USERNAME, DeviceCredentials.username(DEVICE, "ABCDE", 1893456000L));
        assertEquals(PASSWORD, DeviceCredentials.password(USERNAME, SECRET));
    }

    @Test
    void theDevicesOwnCredentialsSignItIn() {
        assertEquals(Optional.empty(), DeviceCredentials.refusal(DEVICE, SECRET, USERNAME, PASSWORD, BEFORE_EXPIRY));
        assertEquals(Optional.empty(), DeviceCredentials.refusal(DEVICE, SECRET, USERNAME,
                PASSWORD.toUpperCase().replace("HMACSHA256", "hmacsha256"), BEFORE_EXPIRY), "hex in either case");
    }

    @Test
    void expiredCredentialsAreRefused() {
        assertTrue(DeviceCredentials.refusal(DEVICE, SECRET, USERNAME, PASSWORD, 1893456000L).orElseThrow()
                .contains("expiry"));
    }

    @Test
    void anotherDevicesCredentialsAreRefused() {
        DeviceId other = DeviceId.parse("OIUYKJHGBV/device02");
        assertTrue(DeviceCredentials.refusal(other, SECRET, USERNAME, PASSWORD, BEFORE_EXPIRY).orElseThrow()
                .startsWith("username must be OIUYKJHGBVdevice02;"));
    }

    @Test
    void aSignatureMadeWithAnotherSecretIsRefused() {
        String otherSecret = "b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ==";
        assertEquals(Optional.of("wrong signature for OIUYKJHGBV/device01"), DeviceCredentials.refusal(DEVICE,
                otherSecret, USERNAME, PASSWORD, BEFORE_EXPIRY));
    }

    @Test
    void aChangedUsernameBreaksTheSignature() {
        String later = USERNAME.replace("1893456000", "1993456000");
        assertEquals(Optional.of("wrong signature for OIUYKJHGBV/device01"),
                DeviceCredentials.refusal(DEVICE, SECRET, later, PASSWORD, BEFORE_EXPIRY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "07529671cf", "07529671cfb6c296654b709edc101f984d0f4587f54c68bcb5ece38d6ba4598b",
            "07529671cfb6c296654b709edc101f984d0f4587f54c68bcb5ece38d6ba4598b;hmacsha1", "zz;hmacsha256", ";"})
    void malformedPasswordsAreRefusedWithAReason(String password) {
        assertTrue(DeviceCredentials.refusal(DEVICE, SECRET, USERNAME, password, BEFORE_EXPIRY).isPresent());
    }

    @ParameterizedTest
    @ValueSource(strings = {"OIUYKJHGBVdevice01", "OIUYKJHGBVdevice01;12010126;ABCDE", ";;;",
            "OIUYKJHGBVdevice01;12010126;ABCDE;soon", "OIUYKJHGBVdevice01;12010126;ABCDE;1893456000;x"})
    void malformedUsernamesAreRefusedWithAReason(String username) {
        assertTrue(DeviceCredentials.refusal(DEVICE, SECRET, username, PASSWORD, BEFORE_EXPIRY).isPresent());
    }

    @Test
    void missingCredentialsAreRefused() {
        assertTrue(DeviceCredentials.refusal(DEVICE, SECRET, null, null, BEFORE_EXPIRY).orElseThrow()
                .contains("credentials required"));
    }

    /** The C SDK's form, with the "never" expiry firmware burns in; reference value from Python's hmac (sha1). */
    @Test
    void theCSdksFormSignsIn() {
        String username = "OIUYKJHGBVdevice01;21010406;ABCDE;4294967295";
        String password = "4f3516522f1ec0be90d0d60ef8ec8e48a4320bf2;hmacsha1";
        assertEquals(username, DeviceCredentials.username(DEVICE, DeviceCredentials.Form.HMAC_SHA1, "ABCDE",
                "4294967295"));
        assertEquals(password, DeviceCredentials.password(username, SECRET, DeviceCredentials.Form.HMAC_SHA1));
        assertEquals(Optional.empty(), DeviceCredentials.refusal(DEVICE, SECRET, username, password, BEFORE_EXPIRY));
        assertEquals(Optional.of("wrong signature for OIUYKJHGBV/device01"), DeviceCredentials.refusal(DEVICE,
                "b3RoZXItc2VjcmV0LWZvci1kZXZpY2UwMQ==", username, password, BEFORE_EXPIRY));
    }

    /** The Python SDK writes the current time in milliseconds: read as seconds, far ahead. */
    @Test
    void thePythonSdksMillisecondsSignIn() {
        String username = "OIUYKJHGBVdevice01;21010406;x7k2p;1764600000123";
        String password = "e0dbe0b681fadee0907c703bf1a089d7c5ecc9ea;hmacsha1";
        assertEquals(Optional.empty(), DeviceCredentials.refusal(DEVICE, SECRET, username, password, 1764600000L));
    }

    @ParameterizedTest
    @ValueSource(strings = {"4294967295", "9223372036854775807", "92233720368547758", "99999999999999999999"})
    void neverExpiringFormsAreAccepted(String expiry) {
        String username = DeviceCredentials.username(DEVICE, DeviceCredentials.Form.HMAC_SHA1, "c0nn1", expiry);
        String password = DeviceCredentials.password(username, SECRET, DeviceCredentials.Form.HMAC_SHA1);
        assertEquals(Optional.empty(), DeviceCredentials.refusal(DEVICE, SECRET, username, password, BEFORE_EXPIRY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1893455999", "0", "-5", "+1993456000", "1e12", "0x7fffffff", " 1993456000", ""})
    void pastOrMalformedExpiriesAreRefused(String expiry) {
        String username = DeviceCredentials.username(DEVICE, DeviceCredentials.Form.HMAC_SHA256, "c0nn1", expiry);
        String password = DeviceCredentials.password(username, SECRET);
        assertTrue(DeviceCredentials.refusal(DEVICE, SECRET, username, password, BEFORE_EXPIRY).isPresent());
    }

    @Test
    void aSecretLongerThanTwoHundredCharactersIsRefused_withoutQuotingIt() {
        String huge = "QUJD".repeat(60);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceCredentials.requireValidSecret(huge));
        assertTrue(e.getMessage().contains("at most 200"), e.getMessage());
        assertTrue(!e.getMessage().contains("QUJD"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not base64!", "c2hvcnQ="})
    void aSecretMustBeBase64OfSixteenBytesOrMore(String secret) {
        assertThrows(IllegalArgumentException.class, () -> DeviceCredentials.requireValidSecret(secret));
    }
}
