package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The webhook outbox, users bound to devices and call history, through the running application. */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class OutboxAndHistoryTest {

    @Inject
    MqttBroker broker;

    WebhookReceiver receiver;

    DeviceSim device;

    @BeforeEach
    void connect() throws Exception {
        receiver.reset();
        device = DeviceSim.registered(broker.url());
    }

    @AfterEach
    void close() {
        receiver.reset();
        device.close();
    }

    @Test
    void aReceiverDownPastTheRingWindowGetsTheRecordEventsOnceItIsBack() {
        receiver.respondAlways(503);
        device.awaitReply(device.report(1, "20001"));
        device.awaitReply(device.report(0, "20001"));

        // The ringing-time events are given up after callbridge.webhooks.urgent.retry-for (3 s in tests).
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> failed().stream()
                .filter(d -> device.id().equals(callDevice(d.getString("callId")))).count() >= 2);
        List<String> givenUp = failedOf().stream().map(d -> d.getString("type")).sorted().toList();
        assertEquals(List.of("call.canceled", "call.ringing"), givenUp);

        receiver.reset();
        List<WebhookReceiver.Received> ended = awaitDelivered("call.ended", 1);
        List<String> attemptIds = attempts("call.ended").stream().map(WebhookReceiver.Received::id).distinct().toList();
        assertEquals(List.of(ended.get(0).id()), attemptIds, "every attempt carried the same webhook-id");
        assertTrue(attempts("call.ended").size() >= 2, "call.ended was retried while the receiver was down");

        // Replay of a given-up ringing event: delivered now, same webhook-id.
        String ringingId = attempts("call.ringing").get(0).id();
        AppClient.admin().post("/api/webhooks/" + ringingId + "/replay").then().statusCode(202)
                .body("queued", equalTo(1));
        List<WebhookReceiver.Received> ringing = awaitDelivered("call.ringing", 1);
        assertEquals(ringingId, ringing.get(0).id());
        // The receiver has the request before CallBridge has its answer and records it.
        Awaitility.await("the replay recorded as delivered").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                AppClient.admin().get("/api/webhooks/" + ringingId).then().statusCode(200)
                        .body("deliveries.status", contains("DELIVERED")));
        AppClient.admin().post("/api/webhooks/evt_no-such-call_1/replay").then().statusCode(404);
    }

    @Test
    void aReceiverThatAnswers410IsNotTriedAgain() {
        receiver.respondAlways(410);
        device.awaitReply(device.report(1, "20001"));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> failedOf().stream()
                .anyMatch(d -> "GONE".equals(d.getString("status"))));
        int attempts = attempts("call.ringing").size();
        assertEquals(1, attempts);
        // Give the poller every chance to try again: it must not.
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> attempts("call.ringing").size() == 1);
    }

    @Test
    void boundUsersRingWhenTheDeviceNamesNoOne() {
        AppClient.admin().contentType(ContentType.JSON).body("{\"users\":[\"20001\",\"20002\"]}")
                .put("/api/devices/" + device.productId() + "/" + device.deviceName() + "/users")
                .then().statusCode(200).body("users", contains("20001", "20002"));
        AppClient.admin().contentType(ContentType.JSON).body("{\"users\":[\"bad/user\"]}")
                .put("/api/devices/" + device.productId() + "/" + device.deviceName() + "/users")
                .then().statusCode(400);

        var everyone = device.callParams(1, "");
        everyone.remove("_sys_called_id");
        JsonNode reply = device.awaitReply(device.report(everyone));
        assertEquals(0, reply.path("code").asInt(), reply.toString());
        JsonNode ringing = awaitDelivered("call.ringing", 1).get(0).json().path("data");
        assertEquals(List.of("20001", "20002"), List.of(ringing.path("callees").get(0).asText(),
                ringing.path("callees").get(1).asText()));
        JsonPath accept = AppClient.control(device, 1, "20002");
        assertNull(accept.get("Response.Error"), accept::prettify);
        device.awaitControl(1);
    }

    @Test
    void historyFiltersAndPages() {
        for (int i = 0; i < 3; i++) {
            device.awaitReply(device.report(1, "20003"));
            device.awaitReply(device.report(0, "20003"));
        }
        awaitDelivered("call.ended", 3);
        AppClient.admin().queryParam("device", device.id()).queryParam("user", "20003")
                .queryParam("state", "ended").queryParam("reason", "CANCELED").queryParam("limit", 2)
                .get("/api/calls").then().statusCode(200)
                .body("calls.size()", equalTo(2)).body("next", equalTo(2));
        AppClient.admin().queryParam("device", device.id()).queryParam("limit", 2).queryParam("offset", 2)
                .get("/api/calls").then().statusCode(200)
                .body("calls.size()", equalTo(1));
        AppClient.admin().queryParam("device", device.id()).queryParam("reason", "HANGUP")
                .get("/api/calls").then().statusCode(200).body("calls.size()", equalTo(0));
        AppClient.admin().queryParam("device", device.id()).queryParam("from", "2999-01-01T00:00:00Z")
                .get("/api/calls").then().statusCode(200).body("calls.size()", equalTo(0));
        AppClient.admin().queryParam("state", "RINGINGISH").get("/api/calls").then().statusCode(400);
        AppClient.admin().queryParam("from", "yesterday").get("/api/calls").then().statusCode(400);
        AppClient.admin().queryParam("limit", 0).get("/api/calls").then().statusCode(400);
    }

    private List<JsonPath> failed() {
        JsonPath page = AppClient.admin().queryParam("limit", 500).get("/api/webhooks/failed").then()
                .statusCode(200).extract().jsonPath();
        int n = page.getList("deliveries").size();
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> JsonPath.from(page.prettify()).setRootPath("deliveries[" + i + "]")).toList();
    }

    private List<JsonPath> failedOf() {
        return failed().stream().filter(d -> device.id().equals(callDevice(d.getString("callId")))).toList();
    }

    private String callDevice(String callId) {
        return AppClient.admin().get("/api/calls/" + callId).then().extract().jsonPath().getString("device");
    }

    private List<WebhookReceiver.Received> attempts(String type) {
        return receiver.received().stream().filter(r -> type.equals(r.type()))
                .filter(r -> device.id().equals(r.json().path("data").path("device").asText())).toList();
    }

    private List<WebhookReceiver.Received> awaitDelivered(String type, int count) {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> attempts(type).stream()
                .filter(r -> r.status() == 200).count() >= count);
        List<WebhookReceiver.Received> delivered = attempts(type).stream().filter(r -> r.status() == 200).toList();
        assertTrue(delivered.stream().allMatch(WebhookReceiver.Received::verified));
        return delivered;
    }
}
