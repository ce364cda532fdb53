package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.runtime.Database;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.AppSdks;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.SdkDevice;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.callbridge.webhook.Outbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Devices built on the platform's SDKs, on MQTT 3.1.1 with a QoS 0 subscription, sending what those SDKs send
 * (protocol.md §2): reports without a timestamp, get_status without a type, a control_reply without a method
 * (the Python SDK), clear_control (Java, C and Python SDKs); and a control missed on the way recovered from
 * get_status_reply's data.control, as the C SDK's devices do.
 */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class DeviceSdkFormsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MqttBroker broker;

    @Inject
    Outbox outbox;

    @Inject
    Database database;

    WebhookReceiver receiver;

    DeviceId device;
    String secret;

    @BeforeEach
    void registerDevice() {
        receiver.reset();
        device = new DeviceId("P" + UUID.randomUUID().toString().replace("-", "").substring(0, 9).toUpperCase(),
                "door01");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        secret = Base64.getEncoder().encodeToString(key);
        AppClient.registerSecret(device.toString(), secret);
        AppClient.bind(device.toString(), "20001");
    }

    /** The C SDK's report: no timestamp. */
    private String report(SdkDevice sdk, int status) throws Exception {
        String token = "ct-" + UUID.randomUUID();
        ObjectNode params = JSON.createObjectNode().put("_sys_video_call_status", status).put("_sys_userid", "20001")
                .put("_sys_caller_id", device.toString()).put("_sys_called_id", "20001")
                .put("_sys_user_agent", "device/1.0.0 (Linux;C SDK;zh-CN)");
        ObjectNode m = JSON.createObjectNode().put("method", "report").put("clientToken", token);
        m.set("params", params);
        sdk.publish(m.toString());
        JsonNode reply = sdk.reply(token);
        assertEquals("report_reply", reply.path("method").asText());
        assertEquals(0, reply.path("code").asInt(), reply::toString);
        return token;
    }

    /** The Python SDK's get_status: no type. */
    private JsonNode getStatus(SdkDevice sdk) throws Exception {
        String token = "gs-" + UUID.randomUUID();
        sdk.publish("{\"method\":\"get_status\",\"clientToken\":\"" + token + "\"}");
        JsonNode reply = sdk.reply(token);
        assertEquals("get_status_reply", reply.path("method").asText());
        assertEquals(0, reply.path("code").asInt());
        assertEquals("report", reply.path("type").asText());
        return reply.path("data");
    }

    private JsonNode clearControl(SdkDevice sdk) throws Exception {
        String token = "cc-" + UUID.randomUUID();
        sdk.publish("{\"method\":\"clear_control\",\"clientToken\":\"" + token + "\"}");
        JsonNode reply = sdk.reply(token);
        assertEquals("clear_control_reply", reply.path("method").asText());
        assertEquals(0, reply.path("code").asInt(), reply::toString);
        return reply;
    }

    private static AppSdks.Outcome answer(DeviceId device, int status) {
        ObjectNode data = JSON.createObjectNode().put("_sys_video_call_status", status).put("_sys_userid", "20001")
                .put("_sys_caller_id", device.toString()).put("_sys_called_id", "20001").put("username", "father")
                .put("_sys_user_agent", "android/1.0.0 (Android 29;Pixel;zh-CN)");
        return AppSdks.ANDROID.call("AppControlDeviceData", "token-20001", Map.of("DeviceId", device.toString(),
                "Data", data.toString()));
    }

    @ParameterizedTest
    @EnumSource(DeviceCredentials.Form.class)
    void aWholeCallInTheSdksOwnWords(DeviceCredentials.Form form) throws Exception {
        try (SdkDevice sdk = SdkDevice.connect(broker.url(), device, secret, form)) {
            report(sdk, 1);
            JsonNode ringing = getStatus(sdk);
            assertEquals(1, ringing.path("reported").path("_sys_video_call_status").asInt());
            assertFalse(ringing.has("control"), "no control yet");

            assertTrue(answer(device, 1).success());
            JsonNode control = sdk.await(m -> "control".equals(m.path("method").asText()));
            assertEquals(1, control.path("params").path("_sys_video_call_status").asInt());
            String controlToken = control.path("clientToken").asText();
            assertEquals(1, getStatus(sdk).path("control").path("_sys_video_call_status").asInt(),
                    "kept until answered");

            // The Python SDK's control_reply: no method. Taken as a control_reply, so it gets no error back.
            sdk.publish("{\"code\":0,\"clientToken\":\"" + controlToken + "\",\"status\":\"ok\"}");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !getStatus(sdk).has("control"));
            assertTrue(sdk.pending().stream().noneMatch(m -> controlToken.equals(m.path("clientToken").asText())),
                    () -> "the reply without a method was answered as malformed: " + sdk.pending());

            report(sdk, 2);
            report(sdk, 0);
            awaitEvents("call.ringing", "call.accepted", "call.connected", "call.ended");
            clearControl(sdk);
        }
    }

    @ParameterizedTest
    @EnumSource(DeviceCredentials.Form.class)
    void aControlMissedOnTheWayIsRecoveredFromGetStatus(DeviceCredentials.Form form) throws Exception {
        try (SdkDevice sdk = SdkDevice.connect(broker.url(), device, secret, form)) {
            report(sdk, 1);
            awaitEvents("call.ringing");
            // The app refuses while nothing reaches the device (QoS 0 on a poor link): the control 0 reaches the
            // broker and is lost, so the doorbell would ring on.
            sdk.deafen();
            assertTrue(answer(device, 0).success());
            awaitEvents("call.ringing", "call.rejected", "call.ended");
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);
            sdk.listen();

            JsonNode status = getStatus(sdk);
            assertEquals(1, status.path("reported").path("_sys_video_call_status").asInt(), "what it last reported");
            assertEquals(0, status.path("control").path("_sys_video_call_status").asInt(), () -> "the kept control: "
                    + status);
            assertEquals("20001", status.path("control").path("_sys_userid").asText());
            assertTrue(sdk.pending().stream().noneMatch(m -> "control".equals(m.path("method").asText())),
                    "the control itself was missed");

            report(sdk, 0);
            clearControl(sdk);
            JsonNode after = getStatus(sdk);
            assertFalse(after.has("control"), () -> "cleared: " + after);
            assertEquals(0, after.path("reported").path("_sys_video_call_status").asInt());
        }
    }

    /** report_info (C and Python SDKs), event_post (Python), action_reply; anything else a clear 501. */
    @ParameterizedTest
    @EnumSource(DeviceCredentials.Form.class)
    void theSdksOtherMessagesGetThePlatformsAnswers(DeviceCredentials.Form form) throws Exception {
        try (SdkDevice sdk = SdkDevice.connect(broker.url(), device, secret, form);
                WsClient app = WsClient.connect("ws://127.0.0.1:" + RestAssured.port + "/ws/explorer?uin=20001")) {
            app.send("{\"action\":\"ActivePush\",\"reqId\":1,\"params\":{\"AccessToken\":\"token-20001\","
                    + "\"DeviceIds\":[\"" + device + "\"]}}");
            app.await(m -> m.path("reqId").asInt() == 1 && m.has("data"));

            sdk.publish("{\"method\":\"report_info\",\"clientToken\":\"ri-1\",\"params\":{\"module_hardinfo\":"
                    + "\"ESP8266\",\"module_softinfo\":\"v3.1\",\"fw_ver\":\"1.2.0\",\"imei\":\"\","
                    + "\"device_label\":{\"append_info\":\"front door\"}}}");
            JsonNode info = sdk.reply("ri-1");
            assertEquals("report_info_reply", info.path("method").asText());
            assertEquals(0, info.path("code").asInt());
            assertEquals("$thing/down/property/" + device, info.path(SdkDevice.TOPIC).asText());
            AppSdks.Outcome data = AppSdks.REFERENCE.call("AppGetDeviceData", "token-20001",
                    Map.of("DeviceId", device.toString()));
            assertEquals("1.2.0", data.data().path("DeviceInfo").path("fw_ver").asText(), data::toString);
            assertEquals("front door", data.data().path("DeviceInfo").path("device_label").path("append_info").asText());

            sdk.publish("event", "{\"method\":\"event_post\",\"clientToken\":\"ev-1\",\"version\":\"1.0\","
                    + "\"eventId\":\"doorbell_pressed\",\"type\":\"info\",\"timestamp\":1700000000,"
                    + "\"params\":{\"button\":1}}");
            JsonNode eventReply = sdk.reply("ev-1");
            assertEquals("event_reply", eventReply.path("method").asText());
            assertEquals(0, eventReply.path("code").asInt());
            assertEquals("$thing/down/event/" + device, eventReply.path(SdkDevice.TOPIC).asText());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !deviceEvents().isEmpty());
            JsonNode webhook = deviceEvents().get(0).json();
            assertEquals("device.event", webhook.path("type").asText());
            assertEquals(device.toString(), webhook.path("data").path("device").asText());
            assertEquals("doorbell_pressed", webhook.path("data").path("eventId").asText());
            assertEquals("info", webhook.path("data").path("type").asText());
            assertEquals(1700000000000L, webhook.path("data").path("timestamp").asLong());
            assertEquals(1, webhook.path("data").path("params").path("button").asInt());
            JsonNode push = app.await(m -> "Event".equals(m.path("params").path("Type").asText()));
            assertEquals("$thing/up/event/" + device, push.path("params").path("Topic").asText());
            assertEquals("event_post", JSON.readTree(java.util.Base64.getDecoder().decode(push.path("params")
                    .path("Payload").asText())).path("method").asText());

            // An action reply answers nothing CallBridge sent: taken, never answered; the next message still is.
            sdk.publish("action", "{\"method\":\"action_reply\",\"clientToken\":\"ac-1\",\"code\":0,"
                    + "\"status\":\"ok\",\"response\":{}}");
            sdk.publish("action", "{\"method\":\"action\",\"clientToken\":\"ac-2\",\"params\":{}}");
            JsonNode refusedAction = sdk.reply("ac-2");
            assertEquals(501, refusedAction.path("code").asInt());
            assertEquals("$thing/down/action/" + device, refusedAction.path(SdkDevice.TOPIC).asText());
            assertTrue(sdk.pending().stream().noneMatch(m -> "ac-1".equals(m.path("clientToken").asText())));

            for (String[] odd : new String[][] {{"property", "firmware_upgrade"}, {"event", "report"}}) {
                String token = "odd-" + odd[1];
                sdk.publish(odd[0], "{\"method\":\"" + odd[1] + "\",\"clientToken\":\"" + token + "\",\"params\":{}}");
                JsonNode reply = sdk.reply(token);
                assertEquals(odd[1] + "_reply", reply.path("method").asText());
                assertEquals(501, reply.path("code").asInt(), reply::toString);
                assertTrue(reply.path("status").asText().contains(odd[0]), reply::toString);
                assertEquals("$thing/down/" + odd[0] + "/" + device, reply.path(SdkDevice.TOPIC).asText());
            }
        }
    }

    /**
     * routes/device-errors.camel.yaml: a step whose write fails (here the table is away) is answered code 500 with
     * nothing of the cause, and the device's next messages are handled as if nothing had happened.
     */
    @Test
    void aStepThatFailsIsAnsweredAndTheNextMessageGoesOn() throws Exception {
        String info = "{\"method\":\"report_info\",\"clientToken\":\"%s\",\"params\":{\"fw_ver\":\"%s\"}}";
        try (SdkDevice sdk = SdkDevice.connect(broker.url(), device, secret, DeviceCredentials.Form.HMAC_SHA256)) {
            sql("ALTER TABLE device_info RENAME TO device_info_away");
            try {
                sdk.publish(info.formatted("ri-fails", "1.0.0"));
                JsonNode failed = sdk.reply("ri-fails");
                assertEquals("report_info_reply", failed.path("method").asText());
                assertEquals(500, failed.path("code").asInt(), failed::toString);
                assertEquals("internal error", failed.path("status").asText(), "the cause stays in the log");
            } finally {
                sql("ALTER TABLE device_info_away RENAME TO device_info");
            }
            sdk.publish(info.formatted("ri-works", "1.0.1"));
            JsonNode works = sdk.reply("ri-works");
            assertEquals(0, works.path("code").asInt(), works::toString);
            report(sdk, 1);
            awaitEvents("call.ringing");
        }
    }

    private void sql(String statement) throws java.sql.SQLException {
        try (java.sql.Connection c = database.dataSource().getConnection();
                java.sql.Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private List<WebhookReceiver.Received> deviceEvents() {
        return receiver.received().stream().filter(r -> r.status() == 200)
                .filter(r -> "device.event".equals(r.type()))
                .filter(r -> device.toString().equals(r.json().path("data").path("device").asText())).toList();
    }

    private void awaitEvents(String... types) {
        receiver.awaitDelivered(device.toString(), types);
    }
}
