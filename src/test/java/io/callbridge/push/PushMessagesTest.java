package io.callbridge.push;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.api.ApiException;
import io.callbridge.thing.DeviceId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The push protocol as each SDK writes it, and what every answer and push looks like on the wire. */
class PushMessagesTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final DeviceId DOOR = new DeviceId("OIUYKJHGBV", "device01");

    @Test
    void activePushAndEveryFormOfTheHeartbeat() {
        PushMessages.Request push = PushMessages.parse("{\"action\":\"ActivePush\",\"reqId\":3,\"params\":"
                + "{\"DeviceIds\":[\"OIUYKJHGBV/device01\"],\"AccessToken\":\"tok\",\"Platform\":\"android\"}}");
        assertEquals(PushMessages.ACTIVE_PUSH, push.action());
        assertEquals(3, push.reqId().asInt());
        assertEquals("tok", push.accessToken());
        assertEquals(List.of(DOOR), push.deviceIds());

        PushMessages.Request android = PushMessages.parse("{\"action\":\"YunApi\",\"reqId\":\"a\",\"params\":"
                + "{\"Action\":\"AppDeviceTraceHeartBeat\",\"ActionParams\":{\"AccessToken\":\"tok\","
                + "\"DeviceIds\":[\"OIUYKJHGBV/device01\"],\"RequestId\":\"r1\"}}}");
        assertEquals(PushMessages.HEARTBEAT, android.action());
        assertEquals("a", android.reqId().asText());
        assertEquals("r1", android.requestId());
        assertEquals(List.of(DOOR), android.deviceIds());

        PushMessages.Request ios = PushMessages.parse("{\"action\":\"YunApi\",\"reqId\":\"5001\",\"params\":"
                + "{\"Action\":\"AppDeviceTraceHeartBeat\",\"AccessToken\":\"tok\",\"RequestId\":\"r2\"}}");
        assertEquals("tok", ios.accessToken());
        assertEquals(List.of(), ios.deviceIds());

        assertEquals(PushMessages.HEARTBEAT, PushMessages.parse("{\"action\":\"AppDeviceTraceHeartBeat\","
                + "\"params\":{\"AccessToken\":\"tok\"}}").action());
        assertEquals(PushMessages.HELLO, PushMessages.parse("{\"action\":\"Hello\",\"reqId\":1}").action());
    }

    @Test
    void badRequestsAreRefusedByTheirReqId() {
        PushMessages.Refused noToken = assertThrows(PushMessages.Refused.class, () -> PushMessages.parse(
                "{\"action\":\"ActivePush\",\"reqId\":4,\"params\":{\"DeviceIds\":[]}}"));
        assertEquals(ApiException.MISSING_PARAMETER, noToken.code());
        assertEquals(4, noToken.reqId().asInt());
        assertEquals(ApiException.INVALID_ACTION, assertThrows(PushMessages.Refused.class, () -> PushMessages.parse(
                "{\"action\":\"YunApi\",\"reqId\":5,\"params\":{\"Action\":\"AppDeleteDevice\"}}")).code());
        assertEquals(ApiException.INVALID_ACTION, assertThrows(PushMessages.Refused.class, () -> PushMessages.parse(
                "{\"action\":\"Subscribe\",\"reqId\":6}")).code());
        assertEquals(ApiException.INVALID_PARAMETER_VALUE, assertThrows(PushMessages.Refused.class,
                () -> PushMessages.parse("{\"action\":\"ActivePush\",\"params\":{\"AccessToken\":\"t\","
                        + "\"DeviceIds\":[\"P/#\"]}}")).code());
        assertEquals(ApiException.INVALID_PARAMETER, assertThrows(PushMessages.Refused.class,
                () -> PushMessages.parse("[1]")).code());
        assertEquals(ApiException.INVALID_PARAMETER, assertThrows(PushMessages.Refused.class,
                () -> PushMessages.parse("x".repeat(PushMessages.MAX_REQUEST + 1))).code());
    }

    @Test
    void answersCarryDataResponseAndErrorsTheirCode() throws Exception {
        JsonNode ok = JSON.readTree(PushMessages.answer(JSON.getNodeFactory().numberNode(3), "r1",
                PushMessages.fields().put("x", 1)));
        assertEquals(3, ok.path("reqId").asInt());
        assertEquals("r1", ok.path("data").path("Response").path("RequestId").asText());
        assertFalse(ok.path("data").path("Response").has("Error"));
        assertFalse(ok.has("error"));

        JsonNode bad = JSON.readTree(PushMessages.refused(PushMessages.refusal(JSON.getNodeFactory().textNode("q"),
                ApiException.INVALID_ACCESS_TOKEN, "no")));
        assertEquals("q", bad.path("reqId").asText());
        assertEquals(ApiException.INVALID_ACCESS_TOKEN, bad.path("error").asText());
        assertEquals("no", bad.path("error_message").asText());
        assertEquals(ApiException.INVALID_ACCESS_TOKEN, bad.path("data").path("Response").path("Error").path("Code")
                .asText());

        JsonNode hello = JSON.readTree(PushMessages.hello(JSON.getNodeFactory().numberNode(1)));
        assertEquals("hello world", hello.path("data").path("result").asText());
        assertTrue(hello.path("data").has("Response"));
    }

    @Test
    void aDeviceChangeCarriesTheMessageInBase64() throws Exception {
        byte[] report = "{\"method\":\"report\",\"params\":{\"_sys_video_call_status\":1}}".getBytes(
                StandardCharsets.UTF_8);
        JsonNode push = JSON.readTree(PushMessages.deviceChange(DOOR, PushMessages.Change.REPORT,
                "$thing/up/property/OIUYKJHGBV/device01", report, 42, 1700000000000L));
        assertTrue(push.path("push").asBoolean());
        assertEquals("DeviceChange", push.path("action").asText());
        assertFalse(push.has("reqId"));
        JsonNode p = push.path("params");
        assertEquals("Property", p.path("Type").asText());
        assertEquals("Report", p.path("SubType").asText());
        assertEquals(DOOR.toString(), p.path("DeviceId").asText());
        assertEquals(42, p.path("Seq").asLong());
        assertEquals(1700000000000L, p.path("Time").asLong());
        assertEquals(new String(report, StandardCharsets.UTF_8),
                new String(Base64.getDecoder().decode(p.path("Payload").asText()), StandardCharsets.UTF_8));
        JsonNode offline = JSON.readTree(PushMessages.deviceChange(DOOR, PushMessages.Change.OFFLINE, "",
                PushMessages.presence(DOOR, false), 43, 1));
        assertEquals("StatusChange", offline.path("params").path("Type").asText());
        assertEquals("Offline", offline.path("params").path("SubType").asText());
    }
}
