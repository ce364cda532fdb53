package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.camel.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.AppSdks;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.SdkDevice;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.callbridge.webhook.Outbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
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
        }
        awaitEvents("call.ringing");
        // The app refuses while the device is away: the control 0 reaches the broker and no one (QoS 0, clean
        // session), so the doorbell would ring on.
        assertTrue(answer(device, 0).success());
        awaitEvents("call.ringing", "call.rejected", "call.ended");
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> outbox.pending() == 0);

        try (SdkDevice sdk = SdkDevice.connect(broker.url(), device, secret, form)) {
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

    private void awaitEvents(String... types) {
        List<String> expected = List.of(types);
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> eventTypes().size() >= expected.size());
        assertEquals(expected, eventTypes());
    }

    private List<String> eventTypes() {
        return receiver.received().stream().filter(r -> r.status() == 200)
                .filter(r -> device.toString().equals(r.json().path("data").path("device").asText()))
                .sorted(java.util.Comparator.comparingInt(r -> r.json().path("data").path("seq").asInt()))
                .map(WebhookReceiver.Received::type).toList();
    }
}
