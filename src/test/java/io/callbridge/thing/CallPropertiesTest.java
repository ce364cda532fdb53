package io.callbridge.thing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.callbridge.testing.SeedPayloads;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CallPropertiesTest {

    static Map<String, Object> params(Object... pairs) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], pairs[i + 1]);
        }
        return m;
    }

    static void assertInvalid(Map<String, Object> params) {
        ThingException e = assertThrows(ThingException.class, () -> CallProperties.from(params));
        assertEquals(ThingException.INVALID_VALUE, e.code());
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void seedRing_isRead() {
        CallProperties p = CallProperties.from(ThingCodec.parse(SeedPayloads.bytes(SeedPayloads.RING)).params());
        assertEquals(Map.of(Media.VIDEO, 1), p.statuses());
        assertEquals(1, p.status(Media.VIDEO));
        assertNull(p.status(Media.AUDIO));
        assertTrue(p.hasCallStatus());
        assertEquals(List.of("20001"), p.userIds());
        assertEquals("OIUYKJHGBV/device01", p.callerId());
        assertEquals(DeviceId.parse("OIUYKJHGBV/device01"), p.callerDevice());
        assertEquals("20001", p.calledId());
        assertEquals(List.of("20001"), p.calledUsers());
        assertEquals(SeedPayloads.USER_AGENT, p.userAgent());
        assertNull(p.extraInfo());
        assertNull(p.username());
    }

    @Test
    void seedAppData_isRead() {
        CallProperties p = CallProperties.from(ThingCodec.parseObject(SeedPayloads.APP_DATA));
        assertEquals("father", p.username());
        assertEquals(Map.of(Media.VIDEO, 1), p.statuses());
    }

    @Test
    void audioStatus_andEveryValidValue() {
        for (int s = 0; s <= 2; s++) {
            assertEquals(Map.of(Media.AUDIO, s), CallProperties.from(params("_sys_audio_call_status", s)).statuses());
        }
        assertEquals(Map.of(Media.VIDEO, 1, Media.AUDIO, 0),
                CallProperties.from(params("_sys_video_call_status", 1, "_sys_audio_call_status", 0)).statuses());
    }

    @Test
    void nothingPresent_isEmpty() {
        CallProperties p = CallProperties.from(Map.of("other", 5));
        assertFalse(p.hasCallStatus());
        assertEquals(List.of(), p.userIds());
        assertNull(p.callerId());
        assertNull(p.callerDevice());
        assertEquals(List.of(), p.calledUsers());
    }

    @Test
    void badStatuses_areInvalid() {
        for (Object bad : new Object[] {3, -1, "1", "0", 1.0, 1L, true, List.of(1), Map.of()}) {
            assertInvalid(params("_sys_video_call_status", bad));
            assertInvalid(params("_sys_audio_call_status", bad));
        }
        assertInvalid(params("_sys_video_call_status", null));
    }

    @Test
    void statusAsString_messageQuotesIt() {
        ThingException e = assertThrows(ThingException.class,
                () -> CallProperties.from(params("_sys_video_call_status", "1")));
        assertTrue(e.getMessage().contains("\"1\""), e.getMessage());
    }

    @Test
    void severalUsers_areSplitTrimmedAndDeduplicated() {
        assertEquals(List.of("u1", "u2"), CallProperties.from(params("_sys_userid", "u1;u2")).userIds());
        assertEquals(List.of("u1", "u2"), CallProperties.from(params("_sys_userid", " u1 ; u2 ")).userIds());
        assertEquals(List.of("u2", "u1"), CallProperties.from(params("_sys_userid", "u2;u1;u2")).userIds());
        assertEquals(List.of(), CallProperties.from(params("_sys_userid", "")).userIds());
        assertEquals(List.of("u1", "u2"), CallProperties.from(params("_sys_called_id", "u1;u2")).calledUsers());
    }

    @Test
    void numericUserIds_areIds() {
        CallProperties p = CallProperties.from(params("_sys_userid", 20001, "_sys_called_id", 20001));
        assertEquals(List.of("20001"), p.userIds());
        assertEquals("20001", p.calledId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"u1;;u2", ";u1", "u1;", "u1; ;u2", "P/D", "u1;P/D", "u+1", "u#", "u\u0000", "\u0000u",
            "u1;u2\u0001"})
    void badUserIds_areInvalid(String users) {
        assertInvalid(params("_sys_userid", users));
    }

    @ParameterizedTest
    @ValueSource(strings = {"P/D/E", "P/+", "+/D", "P/#", "/D", "P/", "P/D\u0000", "u1;;u2", "u#1"})
    void badParties_areInvalid(String party) {
        assertInvalid(params("_sys_caller_id", party));
        assertInvalid(params("_sys_called_id", party));
    }

    @Test
    void nonStringFields_areInvalid() {
        assertInvalid(params("_sys_user_agent", 1));
        assertInvalid(params("_sys_userid", List.of("u1")));
        assertInvalid(params("_sys_caller_id", Map.of("a", 1)));
        assertInvalid(params("_sys_extra_info", Map.of("rejectUserId", "u1")));
        assertInvalid(params("username", true));
    }

    @Test
    void extraInfo_isKeptAsAString() {
        CallProperties p = CallProperties.from(params("_sys_extra_info", "{\"rejectUserId\":\"u1\"}"));
        assertEquals("{\"rejectUserId\":\"u1\"}", p.extraInfo());
    }

    @Test
    void emptyCallerAndCalled_areAbsent() {
        CallProperties p = CallProperties.from(params("_sys_caller_id", "", "_sys_called_id", ""));
        assertNull(p.callerId());
        assertNull(p.calledId());
        assertEquals(List.of(), p.calledUsers());
    }

    @Test
    void calledDevice_isNoUser() {
        CallProperties p = CallProperties.from(params("_sys_caller_id", "20001", "_sys_called_id", "P/D"));
        assertNull(p.callerDevice(), "a user caller is no device");
        assertEquals(List.of(), p.calledUsers());
        assertEquals("P/D", p.calledId());
    }

    @Test
    void controlParams_statusFirst_optionalIdsLeftOut() {
        Map<String, Object> full = CallProperties.controlParams(Media.AUDIO, 0, List.of("u1", "u2"), "P/D", "u1;u2",
                "ua");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("_sys_audio_call_status", 0);
        expected.put("_sys_userid", "u1;u2");
        expected.put("_sys_caller_id", "P/D");
        expected.put("_sys_called_id", "u1;u2");
        expected.put("_sys_user_agent", "ua");
        assertEquals(expected, full);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(full.keySet()));

        Map<String, Object> bare = CallProperties.controlParams(Media.VIDEO, 1, List.of(), null, null, null);
        assertEquals(Map.of("_sys_video_call_status", 1, "_sys_userid", ""), bare);
    }
}
