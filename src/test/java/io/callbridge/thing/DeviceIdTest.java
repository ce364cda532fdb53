package io.callbridge.thing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceIdTest {

    @Test
    void parse_splitsProductAndDevice_andToStringRoundTrips() {
        DeviceId id = DeviceId.parse("OIUYKJHGBV/device01");
        assertEquals("OIUYKJHGBV", id.productId());
        assertEquals("device01", id.deviceName());
        assertEquals("OIUYKJHGBV/device01", id.toString());
        assertEquals(id, DeviceId.parse(id.toString()));
        assertEquals(id, new DeviceId("OIUYKJHGBV", "device01"));
    }

    @Test
    void namesMayHoldOtherPunctuationAndUnicode() {
        DeviceId id = DeviceId.parse("P-1_x/dev.ice:01 名");
        assertEquals("dev.ice:01 名", id.deviceName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "+", "#", "\u0000", "\n", "\u007f"})
    void forbiddenCharacters_areRefusedInEitherPart(String c) {
        assertThrows(IllegalArgumentException.class, () -> new DeviceId("PROD" + c + "X", "device01"));
        assertThrows(IllegalArgumentException.class, () -> new DeviceId("PROD", "dev" + c + "ice"));
        assertThrows(IllegalArgumentException.class, () -> new DeviceId(c, "device01"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROD/dev+", "PROD/#", "PR+OD/dev", "P#/dev", "PROD/dev\u0000ice", "PROD/a/b", "PROD",
            "/dev", "PROD/", "/", "", "PROD//dev"})
    void parse_refusesBadIds(String id) {
        assertThrows(IllegalArgumentException.class, () -> DeviceId.parse(id));
    }

    @Test
    void parse_refusesNull_andTheConstructorRefusesNullParts() {
        assertThrows(IllegalArgumentException.class, () -> DeviceId.parse(null));
        assertThrows(NullPointerException.class, () -> new DeviceId(null, "d"));
        assertThrows(NullPointerException.class, () -> new DeviceId("p", null));
    }

    @Test
    void partsLongerThan128_areRefused() {
        String max = "a".repeat(128);
        assertEquals(max, new DeviceId(max, max).productId());
        assertThrows(IllegalArgumentException.class, () -> new DeviceId(max + "a", "d"));
        assertThrows(IllegalArgumentException.class, () -> new DeviceId("p", max + "a"));
    }

    @Test
    void errorMessagesShowNulVisibly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceId.parse("PROD/dev\u0000ice"));
        assertFalse(e.getMessage().contains("\u0000"));
        assertTrue(e.getMessage().contains("\\0"));
    }

    @Test
    void looksLikeDeviceId_isTheSlash() {
        assertTrue(DeviceId.looksLikeDeviceId("P/D"));
        assertFalse(DeviceId.looksLikeDeviceId("20001"));
        assertFalse(DeviceId.looksLikeDeviceId(null));
    }
}
