package io.callbridge.thing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.callbridge.testing.SeedPayloads;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ThingCodecTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static ThingMessage parse(String json) {
        return ThingCodec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, Object> seedParams(int status) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("_sys_video_call_status", status);
        p.put("_sys_userid", "20001");
        p.put("_sys_caller_id", "OIUYKJHGBV/device01");
        p.put("_sys_called_id", "20001");
        p.put("_sys_user_agent", "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)");
        return p;
    }

    // ---- the seed ----

    @Test
    void seedRing_parses() {
        ThingMessage m = parse(SeedPayloads.RING);
        assertEquals("report", m.method());
        assertEquals("456", m.clientToken());
        assertEquals(1_212_121_221_000L, m.timestamp(), "seconds become milliseconds");
        assertEquals(seedParams(1), m.params());
        assertEquals(Integer.class, m.params().get("_sys_video_call_status").getClass());
        assertNull(m.code());
        assertNull(m.status());
        assertNull(m.type());
    }

    @Test
    void seedCancelInCallAndEnd_parse() {
        assertEquals(seedParams(0), parse(SeedPayloads.CANCEL).params());
        assertEquals(seedParams(2), parse(SeedPayloads.IN_CALL).params());
        assertEquals(seedParams(0), parse(SeedPayloads.END).params());
        assertEquals("456", parse(SeedPayloads.IN_CALL).clientToken());
    }

    @Test
    void seedControl_parses() {
        ThingMessage m = parse(SeedPayloads.CONTROL);
        assertEquals("control", m.method());
        assertEquals("123", m.clientToken());
        assertNull(m.timestamp());
        Map<String, Object> expected = seedParams(1);
        expected.put("username", "father");
        assertEquals(expected, m.params());
    }

    @Test
    void seedAppData_parsesAsAnObject() {
        Map<String, Object> data = ThingCodec.parseObject(SeedPayloads.APP_DATA);
        Map<String, Object> expected = seedParams(1);
        expected.put("username", "father");
        assertEquals(expected, data);
        assertEquals(List.of("_sys_video_call_status", "username", "_sys_userid", "_sys_caller_id", "_sys_called_id",
                "_sys_user_agent"), List.copyOf(data.keySet()), "order as sent");
    }

    @Test
    void sdkStyleMessages_parse() {
        ThingMessage report = parse("{\"method\":\"report\",\"clientToken\":\"OIUYKJHGBVdevice01-7\","
                + "\"timestamp\":1700000000123,\"params\":{\"_sys_video_call_status\":0}}");
        assertEquals(1_700_000_000_123L, report.timestamp(), "milliseconds stay");

        ThingMessage reply = parse("{\"code\":0,\"method\":\"control_reply\",\"clientToken\":\"cb-x-2\","
                + "\"status\":\"ok\"}");
        assertEquals("control_reply", reply.method());
        assertEquals(0, reply.code());
        assertEquals("ok", reply.status());
        assertEquals(Map.of(), reply.params());

        ThingMessage getStatus = parse("{\"method\":\"get_status\",\"clientToken\":\"t\",\"showmeta\":0,"
                + "\"type\":\"report\"}");
        assertEquals("get_status", getStatus.method());
        assertEquals("report", getStatus.type());
    }

    @Test
    void keyOrder_isIrrelevant() {
        ThingMessage a = parse(SeedPayloads.RING);
        ThingMessage b = parse("{\"params\":{"
                + "\"_sys_user_agent\":\"device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)\","
                + "\"_sys_called_id\":\"20001\",\"_sys_caller_id\":\"OIUYKJHGBV/device01\",\"_sys_userid\":\"20001\","
                + "\"_sys_video_call_status\":1},"
                + "\"timestamp\":1212121221,\"clientToken\":\"456\",\"method\":\"report\"}");
        assertEquals(a, b);
    }

    @Test
    void numericClientToken_isReadAsText() {
        assertEquals("456", parse("{\"method\":\"report\",\"clientToken\":456}").clientToken());
        assertNull(parse("{\"method\":\"report\"}").clientToken());
        assertNull(parse("{\"method\":\"report\",\"clientToken\":null}").clientToken());
    }

    // ---- refused ----

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "{", "{\"method\":\"report\"", "not json", "{method:report}",
            "{\"method\":\"report\",}", "\u0000"})
    void malformedJson_isRefusedMalformed(String payload) {
        ThingException e = assertThrows(ThingException.class, () -> parse(payload));
        assertEquals(ThingException.MALFORMED, e.code());
        assertFalse(e.getMessage().isBlank());
    }

    /** Found by the full campaign: a value nested 998 deep was stored, and every get_status_reply then failed. */
    @Test
    void valuesNestedDeeperThanADataTemplateNests_areRefusedMalformed() {
        String deep = "{\"method\":\"report\",\"clientToken\":\"t\",\"params\":{\"x\":"
                + "[".repeat(ThingCodec.MAX_NESTING) + "]".repeat(ThingCodec.MAX_NESTING) + "}}";
        ThingException e = assertThrows(ThingException.class, () -> parse(deep));
        assertEquals(ThingException.MALFORMED, e.code());
        assertTrue(e.getMessage().contains("nesting depth"), e.getMessage());
        String fine = "{\"method\":\"report\",\"params\":{\"x\":[{\"y\":[1,2]}]}}";
        assertEquals(List.of(Map.of("y", List.of(1, 2))), parse(fine).params().get("x"));
        assertThrows(IllegalArgumentException.class, () -> ThingCodec.parseObject(
                "{\"x\":" + "[".repeat(ThingCodec.MAX_NESTING) + "]".repeat(ThingCodec.MAX_NESTING) + "}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[{\"method\":\"report\"}]", "\"report\"", "42", "null", "true"})
    void nonObject_isRefusedMalformed(String payload) {
        ThingException e = assertThrows(ThingException.class, () -> parse(payload));
        assertEquals(ThingException.MALFORMED, e.code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"clientToken\":\"1\"}", "{\"method\":null}", "{\"method\":\"\"}",
            "{\"method\":1}", "{\"method\":{\"a\":1}}", "{\"method\":[\"report\"]}"})
    void missingOrNonTextMethod_isRefusedMalformed(String payload) {
        ThingException e = assertThrows(ThingException.class, () -> parse(payload));
        assertEquals(ThingException.MALFORMED, e.code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"1212121221\"", "-1", "1.5", "true", "{}", "99999999999999999999999"})
    void badTimestamp_isRefusedMalformed(String timestamp) {
        ThingException e = assertThrows(ThingException.class,
                () -> parse("{\"method\":\"report\",\"timestamp\":" + timestamp + "}"));
        assertEquals(ThingException.MALFORMED, e.code());
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"x\"", "1"})
    void nonObjectParams_isRefusedMalformed(String params) {
        ThingException e = assertThrows(ThingException.class,
                () -> parse("{\"method\":\"report\",\"params\":" + params + "}"));
        assertEquals(ThingException.MALFORMED, e.code());
    }

    @Test
    void parseObject_refusesNonObjects() {
        assertThrows(IllegalArgumentException.class, () -> ThingCodec.parseObject("[1]"));
        assertThrows(IllegalArgumentException.class, () -> ThingCodec.parseObject("{"));
        assertThrows(IllegalArgumentException.class, () -> ThingCodec.parseObject("\"{}\""));
        assertThrows(IllegalArgumentException.class, () -> ThingCodec.parseObject(""));
    }

    // ---- written ----

    @ParameterizedTest
    @ValueSource(strings = {"456", "a\"b", "back\\slash", "\"}],{\"code\":1", "line\nbreak\ttab", "中文\u2028",
            "\u0001ctl", ""})
    void reply_roundTripsAnyClientTokenAsValidJson(String token) throws Exception {
        byte[] bytes = ThingCodec.reply("report", token, 0, "success");

        JsonNode node = JSON.readTree(bytes);
        assertTrue(node.isObject());
        assertEquals(4, node.size());
        assertEquals(token, node.get("clientToken").asText());
        ThingMessage m = ThingCodec.parse(bytes);
        assertEquals("report_reply", m.method());
        assertEquals(token, m.clientToken());
        assertEquals(0, m.code());
        assertEquals("success", m.status());
    }

    @Test
    void reply_withoutToken_leavesItOut_andCarriesTheErrorText() throws Exception {
        JsonNode node = JSON.readTree(ThingCodec.reply("report", null, 422, "bad \"value\""));
        assertFalse(node.has("clientToken"));
        assertEquals("report_reply", node.get("method").asText());
        assertEquals(422, node.get("code").asInt());
        assertEquals("bad \"value\"", node.get("status").asText());
    }

    @Test
    void control_roundTripsTokenAndParamsInOrder() {
        Map<String, Object> params = seedParams(1);
        params.put("username", "fa\"ther\\");
        byte[] bytes = ThingCodec.control("cb-9d1b2c4e-0000-4000-8000-000000000001-2", params);

        ThingMessage m = ThingCodec.parse(bytes);
        assertEquals("control", m.method());
        assertEquals("cb-9d1b2c4e-0000-4000-8000-000000000001-2", m.clientToken());
        assertEquals(params, m.params());
        assertEquals(List.copyOf(params.keySet()), List.copyOf(m.params().keySet()));
    }

    @Test
    void eventFields_takeWhatAnEventPostSays() {
        Map<String, Object> f = ThingCodec.eventFields(("{\"method\":\"event_post\",\"clientToken\":\"e1\","
                + "\"version\":\"1.0\",\"eventId\":\"low_battery\",\"type\":\"alert\",\"timestamp\":1700000000,"
                + "\"params\":{\"level\":5}}").getBytes(StandardCharsets.UTF_8));
        assertEquals("low_battery", f.get("eventId"));
        assertEquals("alert", f.get("type"));
        assertEquals("1.0", f.get("version"));
        assertEquals(1700000000000L, f.get("timestamp"), "seconds read as the platform does, kept in ms");
        assertEquals(Map.of("level", 5), f.get("params"));
        Map<String, Object> bare = ThingCodec.eventFields("{\"method\":\"event_post\",\"eventId\":3,\"timestamp\":\"x\"}"
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(Map.of("params", Map.of()), bare, "fields of another shape are left out");
    }

    @Test
    void getStatusReply_handsBackTheKeptControl() throws Exception {
        JsonNode node = JSON.readTree(ThingCodec.getStatusReply("t2", "report", Map.of("_sys_video_call_status", 1),
                Map.of("_sys_video_call_status", 0, "_sys_userid", "20001")));
        assertEquals(1, node.path("data").path("reported").path("_sys_video_call_status").asInt());
        assertEquals(0, node.path("data").path("control").path("_sys_video_call_status").asInt());
        assertEquals("20001", node.path("data").path("control").path("_sys_userid").asText());
        JsonNode none = JSON.readTree(ThingCodec.getStatusReply("t3", "report", Map.of(), null));
        assertFalse(none.path("data").has("control"));
    }

    /** The Python SDK's control_reply has no method: taken as one only when it answers one of our controls. */
    @Test
    void aReplyWithoutMethod_isAControlReplyOnlyForOurControls() {
        byte[] ours = "{\"code\":0,\"clientToken\":\"cb-abc-3\",\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);
        ThingMessage m = ThingCodec.parse(ours, token -> token.startsWith("cb-"));
        assertEquals(ThingCodec.CONTROL_REPLY, m.method());
        assertEquals(0, m.code());
        assertEquals("cb-abc-3", m.clientToken());
        assertEquals(ThingException.MALFORMED, assertThrows(ThingException.class, () -> ThingCodec.parse(ours)).code(),
                "without the predicate it stays malformed");
        byte[] theirs = "{\"code\":0,\"clientToken\":\"x-1\"}".getBytes(StandardCharsets.UTF_8);
        assertThrows(ThingException.class, () -> ThingCodec.parse(theirs, token -> token.startsWith("cb-")));
        byte[] noCode = "{\"clientToken\":\"cb-abc-3\"}".getBytes(StandardCharsets.UTF_8);
        assertThrows(ThingException.class, () -> ThingCodec.parse(noCode, token -> token.startsWith("cb-")));
    }

    @Test
    void getStatusReply_answersFromReported() throws Exception {
        Map<String, Object> reported = Map.of("_sys_video_call_status", 0, "_sys_userid", "20001");
        JsonNode node = JSON.readTree(ThingCodec.getStatusReply("t\"1", null, reported, null));
        assertEquals("get_status_reply", node.get("method").asText());
        assertEquals("t\"1", node.get("clientToken").asText());
        assertEquals(0, node.get("code").asInt());
        assertEquals("success", node.get("status").asText());
        assertEquals("report", node.get("type").asText());
        assertEquals(0, node.get("data").get("reported").get("_sys_video_call_status").asInt());
        assertEquals("20001", node.get("data").get("reported").get("_sys_userid").asText());
    }

    @Test
    void toJson_escapes() throws Exception {
        String json = ThingCodec.toJson(Map.of("k", "\"\\\n"));
        assertEquals("\"\\\n", JSON.readTree(json).get("k").asText());
    }

    @Test
    void trailingTextAfterTheObjectIsMalformed() {
        ThingException e = org.junit.jupiter.api.Assertions.assertThrows(ThingException.class,
                () -> ThingCodec.parse("{\"method\":\"report\"} trailing".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        org.junit.jupiter.api.Assertions.assertEquals(ThingException.MALFORMED, e.code());
    }

    @Test
    void aPayloadOver64KiBIsRefused() {
        byte[] big = ("{\"method\":\"report\",\"params\":{\"x\":\"" + "a".repeat(ThingCodec.MAX_PAYLOAD)
                + "\"}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ThingException e = org.junit.jupiter.api.Assertions.assertThrows(ThingException.class, () -> ThingCodec.parse(big));
        org.junit.jupiter.api.Assertions.assertEquals(ThingException.MALFORMED, e.code());
    }
}
