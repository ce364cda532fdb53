package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.ThingCodec;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole calls through a real MQTT broker, the real HTTP API and a real webhook receiver: the device is an MQTT
 * client, the app calls the tokenapi, and every webhook is verified with the Standard Webhooks library. The
 * device calls the app (the seed's flow), and at the end the app calls the device (its mirror).
 */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class DeviceCallsAppTest {

    @Inject
    MqttBroker broker;

    WebhookReceiver receiver;

    DeviceSim device;

    @BeforeEach
    void connectDevice() throws Exception {
        receiver.reset();
        device = DeviceSim.registered(broker.url());
    }

    @AfterEach
    void closeDevice() {
        device.close();
        assertTrue(receiver.received().stream().allMatch(WebhookReceiver.Received::verified),
                "every webhook verifies with the Standard Webhooks library");
    }

    @Test
    void acceptConnectAndDeviceHangsUp() {
        String ring = device.report(1, "20001");
        assertReply(ring, 0);
        String callId = awaitEvents("call.ringing").get(0).json().path("data").path("callId").asText();

        JsonPath answer = AppClient.control(device, 1, "20001");
        assertNull(answer.get("Response.Error"), () -> answer.prettify());
        JsonNode control = device.awaitControl(1);
        assertEquals("20001", control.path("params").path("_sys_userid").asText());
        assertEquals(device.id(), control.path("params").path("_sys_caller_id").asText());
        assertEquals("father", control.path("params").path("username").asText());

        assertReply(device.report(2, "20001"), 0);
        assertReply(device.report(0, "20001"), 0);

        List<WebhookReceiver.Received> events = awaitEvents("call.ringing", "call.accepted", "call.connected",
                "call.ended");
        JsonNode ended = events.get(3).json().path("data");
        assertEquals("HANGUP", ended.path("reason").asText());
        assertEquals(device.id(), ended.path("endedBy").asText());
        assertEquals("20001", ended.path("answeredBy").asText());
        assertTrue(ended.path("talkMillis").asLong(-1) >= 0);
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i + 1, events.get(i).json().path("data").path("seq").asInt(), "per-call sequence");
            assertEquals("evt_" + callId + "_" + (i + 1), events.get(i).id(), "stable webhook-id");
        }

        AppClient.admin().get("/api/calls/" + callId).then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("ENDED"))
                .body("reason", org.hamcrest.Matchers.equalTo("HANGUP"))
                .body("caller", org.hamcrest.Matchers.equalTo(device.id()))
                .body("callees", org.hamcrest.Matchers.contains("20001"))
                .body("answeredBy", org.hamcrest.Matchers.equalTo("20001"))
                .body("connectedAt", org.hamcrest.Matchers.notNullValue());
        AppClient.admin().queryParam("device", device.id()).get("/api/calls").then().statusCode(200)
                .body("calls.callId", org.hamcrest.Matchers.contains(callId));
    }

    @Test
    void appHangsUpDuringTheCall() {
        assertReply(device.report(1, "20001"), 0);
        AppClient.control(device, 1, "20001");
        device.awaitControl(1);
        assertReply(device.report(2, "20001"), 0);
        awaitEvents("call.ringing", "call.accepted", "call.connected");

        JsonPath hangUp = AppClient.control(device, 0, "20001");
        assertNull(hangUp.get("Response.Error"), () -> hangUp.prettify());
        device.awaitControl(0);
        assertReply(device.report(0, "20001"), 0);

        JsonNode ended = awaitEvents("call.ringing", "call.accepted", "call.connected", "call.ended").get(3)
                .json().path("data");
        assertEquals("HANGUP", ended.path("reason").asText());
        assertEquals("20001", ended.path("endedBy").asText());
    }

    @Test
    void appRejects() {
        assertReply(device.report(1, "20001"), 0);
        JsonPath reject = AppClient.control(device, 0, "20001");
        assertNull(reject.get("Response.Error"), () -> reject.prettify());
        JsonNode control = device.awaitControl(0);
        assertEquals("20001", control.path("params").path("_sys_userid").asText());
        assertReply(device.report(0, "20001"), 0);

        List<WebhookReceiver.Received> events = awaitEvents("call.ringing", "call.rejected", "call.ended");
        assertTrue(events.get(1).json().path("data").path("final").asBoolean());
        assertEquals("REJECTED", events.get(2).json().path("data").path("reason").asText());
    }

    @Test
    void deviceGivesUpWhileRinging() {
        device.report(1, "20001");
        assertReply(device.report(0, "20001"), 0);
        List<WebhookReceiver.Received> events = awaitEvents("call.ringing", "call.canceled", "call.ended");
        assertEquals("CANCELED", events.get(2).json().path("data").path("reason").asText());

        JsonPath late = AppClient.control(device, 1, "20001");
        assertEquals("FailedOperation.NoActiveCall", late.getString("Response.Error.Code"));
    }

    @Test
    void ringTimeoutTellsTheDeviceAndEndsAsNoAnswer() {
        device.report(1, "20001");
        JsonNode control = device.await(m -> "control".equals(m.path("method").asText()));
        assertEquals(0, control.path("params").path("_sys_video_call_status").asInt());
        JsonNode ended = awaitEvents("call.ringing", "call.ended").get(1).json().path("data");
        assertEquals("NO_ANSWER", ended.path("reason").asText());
        assertTrue(ended.path("ringMillis").asLong() >= 6000, "rang for the configured 6 s");
    }

    @Test
    void twoCalleesFirstAcceptWinsAndTheLateAcceptIsRefused() {
        assertReply(device.report(1, "20001;20002"), 0);
        JsonPath first = AppClient.control(device, 1, "20002");
        assertNull(first.get("Response.Error"), () -> first.prettify());
        device.awaitControl(1);

        JsonPath late = AppClient.control(device, 1, "20001");
        assertEquals("FailedOperation.AnsweredElsewhere", late.getString("Response.Error.Code"));
        assertEquals(late.getString("Response.RequestId"), late.getString("Response.RequestId"));

        List<WebhookReceiver.Received> events = awaitEvents("call.ringing", "call.accepted",
                "call.answered_elsewhere");
        JsonNode users = json(events.get(2)).path("users");
        assertEquals(1, users.size());
        assertEquals("20001", users.get(0).asText());
        assertEquals("20002", json(events.get(2)).path("answeredBy").asText());

        assertReply(device.report(2, "20002"), 0);
        assertReply(device.report(0, "20002"), 0);
        JsonNode ended = json(awaitEvents("call.ringing", "call.accepted", "call.answered_elsewhere",
                "call.connected", "call.ended").get(4));
        assertEquals("20002", ended.path("answeredBy").asText());
        // Only one control 1 ever reached the device.
        assertTrue(device.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())));
    }

    @Test
    void anAcceptFromAUserWhoIsNotACalleeIsRefused() {
        AppClient.bind(device, "20003");
        device.report(1, "20001");
        awaitEvents("call.ringing");
        JsonPath answer = AppClient.control(device, 1, "20003");
        assertEquals("UnauthorizedOperation.NotCallee", answer.getString("Response.Error.Code"), "the device's user");
        JsonPath stranger = AppClient.control(device, 1, "20002");
        assertEquals("UnauthorizedOperation.NoPermissionToDevice", stranger.getString("Response.Error.Code"),
                "a stranger is told nothing about the call");
        assertTrue(device.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())));

        // The real callee can still take it.
        assertNull(AppClient.control(device, 1, "20001").get("Response.Error"));
        device.awaitControl(1);
    }

    @Test
    void aBadTokenIsRefusedWithThePlatformsError() {
        device.report(1, "20001");
        awaitEvents("call.ringing");
        JsonPath answer = AppClient.control(device, "no-such-token",
                AppClient.data(device, 1, "20001").toString());
        assertEquals("InvalidParameterValue.InvalidAccessToken", answer.getString("Response.Error.Code"));
        assertNotEquals(null, answer.getString("Response.RequestId"));
        assertTrue(device.received().stream().noneMatch(m -> "control".equals(m.path("method").asText())));
    }

    @Test
    void malformedAndContradictoryReportsAreRefusedAndTheNextGoodOneWorks() {
        device.publish("{\"method\":\"report\",");
        JsonNode notJson = device.await(m -> m.path("code").asInt() == 400);
        assertTrue(notJson.path("status").asText().contains("not JSON"));

        var outOfRange = device.callParams(3, "20001");
        assertReply(device.report(outOfRange), 422);

        var otherDevice = device.callParams(1, "20001");
        otherDevice.put("_sys_caller_id", "OTHERPROD/device99");
        JsonNode contradiction = assertReply(device.report(otherDevice), 422);
        assertTrue(contradiction.path("status").asText().contains("contradicts"));

        var badId = device.callParams(1, "20001");
        badId.put("_sys_userid", "200#01");
        assertReply(device.report(badId), 422);

        var noCallee = device.callParams(1, "");
        assertReply(device.report(noCallee), 422);

        var stringStatus = device.callParams(1, "20001");
        stringStatus.put("_sys_video_call_status", "1");
        assertReply(device.report(stringStatus), 422);

        assertReply(device.report(1, "20001"), 0);
        awaitEvents("call.ringing");
        assertNull(AppClient.control(device, 1, "20001").get("Response.Error"));
        device.awaitControl(1);
    }

    @Test
    void aReportWithoutCallPropertiesIsAcknowledgedAndLeftAlone() {
        var params = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("brightness", 3);
        assertReply(device.report(params), 0);
        device.send("event_post", Map.of("clientToken", "ev-1"));
        JsonNode unsupported = device.awaitReply("ev-1");
        assertEquals(501, unsupported.path("code").asInt());

        assertReply(device.report(1, "20001"), 0);
        assertEquals(List.of("call.ringing"), awaitEvents("call.ringing").stream()
                .map(WebhookReceiver.Received::type).toList(), "the non-call report made no event");
        device.send("get_status", Map.of("clientToken", "gs-2", "type", "report"));
        assertEquals(3, device.awaitReply("gs-2").path("data").path("reported").path("brightness").asInt());
    }

    @Test
    void theSameReportTwiceChangesNothing() {
        String payload = "{\"method\":\"report\",\"clientToken\":\"456\",\"timestamp\":1212121221,\"params\":"
                + device.callParams(1, "20001") + "}";
        device.publish(payload);
        device.publish(payload);
        device.awaitReply("456");
        device.awaitReply("456");
        awaitEvents("call.ringing");
        AppClient.admin().queryParam("device", device.id()).get("/api/calls").then().statusCode(200)
                .body("calls.size()", org.hamcrest.Matchers.equalTo(1));
    }

    @Test
    void aRingArrivingAfterTheLaterHangUpChangesNothing() {
        long t = System.currentTimeMillis();
        assertReply(device.report(device.callParams(1, "20001"), t), 0);
        assertReply(device.report(device.callParams(0, "20001"), t + 2000), 0);
        awaitEvents("call.ringing", "call.canceled", "call.ended");
        // A retry of the ring, delivered late (another instance, a redelivery): older than the hang-up.
        assertReply(device.report(device.callParams(1, "20001"), t + 1000), 0);
        device.send("get_status", Map.of("clientToken", "gs-late", "type", "report"));
        assertEquals(0, device.awaitReply("gs-late").path("data").path("reported").path("_sys_video_call_status")
                .asInt(-1), "the older ring did not overwrite the newer state");
        AppClient.admin().queryParam("device", device.id()).get("/api/calls").then().statusCode(200)
                .body("calls.size()", org.hamcrest.Matchers.equalTo(1))
                .body("calls[0].state", org.hamcrest.Matchers.equalTo("ENDED"));
    }

    @Test
    void getStatusIsAnsweredFromTheLastReportedValues() {
        device.report(1, "20001");
        device.report(0, "20001");
        awaitEvents("call.ringing", "call.canceled", "call.ended");
        device.send("get_status", Map.of("clientToken", "gs-1", "type", "report", "showmeta", 0));
        JsonNode reply = device.awaitReply("gs-1");
        assertEquals("get_status_reply", reply.path("method").asText());
        assertEquals(0, reply.path("code").asInt());
        assertEquals(0, reply.path("data").path("reported").path("_sys_video_call_status").asInt(-1));
        assertEquals(device.id(), reply.path("data").path("reported").path("_sys_caller_id").asText());
    }

    @Test
    void aFailedControlIsReportedAsAnEvent() {
        assertReply(device.report(1, "20001"), 0);
        AppClient.control(device, 1, "20001");
        JsonNode control = device.awaitControl(1);
        device.send("control_reply", Map.of("clientToken", control.path("clientToken").asText(), "code", 1,
                "status", "busy"));
        JsonNode failed = json(awaitEvents("call.ringing", "call.accepted", "call.control_failed").get(2));
        assertEquals(1, failed.path("code").asInt());
        assertEquals("busy", failed.path("status").asText());
    }

    @Test
    void appGetDeviceDataReturnsTheReportedProperties_toBoundUsersOnly() {
        device.report(1, "20001");
        awaitEvents("call.ringing");
        assertEquals("UnauthorizedOperation.NoPermissionToDevice",
                AppClient.getDeviceData(device, "20001").getString("Response.Error.Code"), "being rung is not being bound");
        AppClient.bind(device, "20001");
        JsonPath answer = AppClient.getDeviceData(device, "20001");
        assertNull(answer.get("Response.Error"), () -> answer.prettify());
        JsonPath data = JsonPath.from(answer.getString("Response.Data"));
        assertEquals(1, data.getInt("_sys_video_call_status.Value"));
        assertTrue(data.getLong("_sys_video_call_status.LastUpdate") > 0);

        JsonPath stranger = AppClient.getDeviceData(device, "20003");
        assertEquals("UnauthorizedOperation.NoPermissionToDevice", stranger.getString("Response.Error.Code"));
    }

    @Test
    void aFailingReceiverIsRetriedWithTheSameIdAndBlocksNoOtherCall() throws Exception {
        receiver.failNext(2, 503, device.id());
        device.report(1, "20001");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receiver.received().stream()
                .filter(r -> device.id().equals(json(r).path("device").asText())).count() >= 3);
        List<WebhookReceiver.Received> attempts = receiver.received().stream()
                .filter(r -> device.id().equals(json(r).path("device").asText())).toList();
        assertEquals(List.of(503, 503, 200), attempts.stream().limit(3).map(WebhookReceiver.Received::status).toList());
        assertEquals(1, attempts.stream().limit(3).map(WebhookReceiver.Received::id).distinct().count(),
                "same webhook-id on every attempt");

        receiver.respondAlways(500);
        try (DeviceSim other = DeviceSim.registered(broker.url())) {
            String token = other.report(1, "20002");
            other.awaitReply(token);
            assertNull(AppClient.control(other, 1, "20002").get("Response.Error"));
            other.awaitControl(1);
        }
    }

    /** The vendor's login server signs app tokens; CallBridge takes them beside its configured ones. */
    @Test
    void aSignedAppTokenWorks_andAnExpiredOneIsRefusedAsTheAppSdkExpects() {
        AppClient.bind(device, "20002");
        device.report(1, "20001");
        awaitEvents("call.ringing");
        String signed = CallBridgeTestResource.signedToken("20002", 10);
        JsonPath data = AppClient.post(AppClient.envelope("AppGetDeviceData", signed, device).toString());
        assertNull(data.get("Response.Error"), () -> data.prettify());
        String expired = CallBridgeTestResource.signedToken("20002", -5);
        assertEquals("InvalidParameterValue.InvalidAccessToken",
                AppClient.post(AppClient.envelope("AppGetDeviceData", expired, device).toString())
                        .getString("Response.Error.Code"));
        // The callee accepts with a signed token of its own.
        JsonPath accept = AppClient.control(device, CallBridgeTestResource.signedToken("20001", 10),
                AppClient.data(device, 1, "20001").toString());
        assertNull(accept.get("Response.Error"), () -> accept.prettify());
        device.awaitControl(1);
    }

    /** The attack of issue 8: one far-future timestamp used to make every later report of the device look stale. */
    @Test
    void aFarFutureTimestampIsRefused_andTheDevicesNextRealRingWorks() {
        for (long future : new long[] {4_102_444_800_000L, 99_999_999_999L, Long.MAX_VALUE}) {
            JsonNode reply = assertReply(device.report(device.callParams(1, "20001"), future), 422);
            assertTrue(reply.path("status").asText().contains("ahead of the server's clock"), reply::toString);
        }
        assertReply(device.report(1, "20001"), 0);
        awaitEvents("call.ringing");
        assertReply(device.report(0, "20001"), 0);
        assertEquals("CANCELED", awaitEvents("call.ringing", "call.canceled", "call.ended").get(2).json()
                .path("data").path("reason").asText(), "the cancel after it ends the call");
    }

    @Test
    void anAppsDataLargerThanADevicesMessageIsRefused_andTheCallStillRings() {
        device.report(1, "20001");
        awaitEvents("call.ringing");
        ObjectNode data = AppClient.data(device, 1, "20001").put("pad", "x".repeat(ThingCodec.MAX_PAYLOAD));
        JsonPath answer = AppClient.control(device, "token-20001", data.toString());
        assertEquals("InvalidParameterValue", answer.getString("Response.Error.Code"));
        assertTrue(answer.getString("Response.Error.Message").contains("larger than"), answer::prettify);
        assertNull(AppClient.control(device, 1, "20001").get("Response.Error"), "the callee still answers");
        device.awaitControl(1);
    }

    // ---- the mirror: the app calls the device ----

    @Test
    void appCallsDevice_aUserNotBoundToItIsRefused_andTheOwnersRingIsUntouched() {
        AppClient.bind(device, "20001");
        JsonPath stranger = AppClient.callDevice(device, 1, "20003");
        assertEquals("UnauthorizedOperation.NoPermissionToDevice", stranger.getString("Response.Error.Code"),
                () -> stranger.prettify());
        // Nothing was sent to the device and nothing rings: the device's own ring for its owner opens its call.
        assertReply(device.report(1, "20001"), 0);
        assertNull(AppClient.control(device, 1, "20001").get("Response.Error"));
        assertEquals("20001", device.awaitControl(1).path("params").path("_sys_userid").asText());
        awaitEvents("call.ringing", "call.accepted");
        assertTrue(receiver.received().stream().filter(r -> device.id().equals(json(r).path("device").asText()))
                .noneMatch(r -> "app-calls-device".equals(json(r).path("direction").asText())),
                "no app call was opened");
    }

    @Test
    void appCallsDevice_theDeviceAcceptsConnectsAndHangsUp() {
        AppClient.bind(device, "20001");
        JsonPath placed = AppClient.callDevice(device, 1, "20001");
        assertNull(placed.get("Response.Error"), () -> placed.prettify());
        JsonNode control = device.awaitControl(1);
        assertEquals("20001", control.path("params").path("_sys_caller_id").asText());
        assertEquals(device.id(), control.path("params").path("_sys_called_id").asText());

        assertReply(device.answerCall(1, "20001"), 0);
        assertReply(device.answerCall(2, "20001"), 0);
        assertReply(device.answerCall(0, "20001"), 0);

        List<WebhookReceiver.Received> events = awaitEvents("call.ringing", "call.accepted", "call.connected",
                "call.ended");
        JsonNode ended = events.get(3).json().path("data");
        assertEquals("app-calls-device", ended.path("direction").asText());
        assertEquals("HANGUP", ended.path("reason").asText());
        assertEquals("20001", ended.path("caller").asText());
        assertEquals(device.id(), ended.path("answeredBy").asText());
        assertEquals(device.id(), ended.path("endedBy").asText());
        AppClient.admin().get("/api/calls/" + ended.path("callId").asText()).then().statusCode(200)
                .body("direction", org.hamcrest.Matchers.equalTo("app-calls-device"))
                .body("state", org.hamcrest.Matchers.equalTo("ENDED"));
    }

    @Test
    void appCallsDevice_aBusyDeviceRefusesAndTheCallerHearsBusy() {
        AppClient.bind(device, "20001");
        assertNull(AppClient.callDevice(device, 1, "20001").get("Response.Error"));
        device.awaitControl(1);
        var refusal = device.callParams(0, "20001");
        refusal.put("_sys_caller_id", "20001");
        refusal.put("_sys_called_id", device.id());
        refusal.put("_sys_extra_info", "{\"rejectUserId\":\"20001\"}");
        assertReply(device.report(refusal), 0);

        JsonNode ended = awaitEvents("call.ringing", "call.rejected", "call.ended").get(2).json().path("data");
        assertEquals("BUSY", ended.path("reason").asText());
        // The device is free again: the next call rings.
        assertNull(AppClient.callDevice(device, 1, "20001").get("Response.Error"));
    }

    @Test
    void appCallsDevice_theCallerCancelsAndAnotherUserCannot() {
        AppClient.bind(device, "20001", "20002");
        assertNull(AppClient.callDevice(device, 1, "20001").get("Response.Error"));
        device.awaitControl(1);
        assertEquals("FailedOperation.DeviceBusy",
                AppClient.callDevice(device, 1, "20002").get("Response.Error.Code"));
        assertEquals("UnauthorizedOperation.NotCallee",
                AppClient.callDevice(device, 0, "20002").get("Response.Error.Code"));

        assertNull(AppClient.callDevice(device, 0, "20001").get("Response.Error"));
        device.awaitControl(0);
        JsonNode ended = awaitEvents("call.ringing", "call.canceled", "call.ended").get(2).json().path("data");
        assertEquals("CANCELED", ended.path("reason").asText());
        assertEquals("20001", ended.path("endedBy").asText());
    }

    private JsonNode assertReply(String token, int code) {
        JsonNode reply = device.awaitReply(token);
        assertEquals("report_reply", reply.path("method").asText());
        assertEquals(code, reply.path("code").asInt(), () -> reply.toString());
        return reply;
    }

    /** Waits until this device's calls produced exactly these event types, in order, and returns them. */
    private List<WebhookReceiver.Received> awaitEvents(String... types) {
        return receiver.awaitDelivered(device.id(), types);
    }

    private static JsonNode json(WebhookReceiver.Received r) {
        return r.json().path("data");
    }
}
