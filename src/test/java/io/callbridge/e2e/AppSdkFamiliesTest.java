package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.api.ApiException;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.AppSdks;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.WebhookReceiver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The actions apps call around a call, through the real API and broker, read by each client family exactly as
 * its SDK reads them: the Android SDK, the mini-program SDK and the API reference get the same answers.
 */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class AppSdkFamiliesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MqttBroker broker;

    @Inject
    io.callbridge.device.BrokerPresence presence;

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
    }

    private static Map<String, Object> byParts(DeviceSim d) {
        return Map.of("ProductId", d.productId(), "DeviceName", d.deviceName());
    }

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void appGetUserNamesTheTokensUser(AppSdks sdk) {
        AppSdks.Outcome user = sdk.call("AppGetUser", "token-20002", Map.of());
        assertTrue(user.success(), () -> user.toString());
        assertEquals("20002", user.data().path("Data").path("UserID").asText());
        assertTrue(user.data().path("Data").has("NickName"), "the profile fields the SDKs read are there");

        AppSdks.Outcome refused = sdk.call("AppGetUser", "not-a-token", Map.of());
        assertFalse(refused.success());
        assertEquals(ApiException.INVALID_ACCESS_TOKEN, refused.errorCode());
        assertTrue(refused.logsInAgain(), sdk + " sends the user to log in again");
    }

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void aWholeCallAsEachFamilySeesIt(AppSdks sdk) throws Exception {
        AppClient.bind(device, "20001");
        device.awaitReply(device.report(1, "20001"));
        awaitEvents("call.ringing");

        // Apps poll the call status when they come to the foreground, in either form of the device's name.
        for (Map<String, Object> name : List.of(byParts(device), Map.<String, Object>of("DeviceId", device.id()))) {
            AppSdks.Outcome data = sdk.call("AppGetDeviceData", "token-20001", name);
            assertTrue(data.success(), () -> data.toString());
            JsonNode props = JSON.readTree(data.data().path("Data").asText());
            assertEquals(1, props.path("_sys_video_call_status").path("Value").asInt(), props::toString);
            assertTrue(props.path("_sys_video_call_status").path("LastUpdate").asLong() > 0);
        }

        AppSdks.Outcome statuses = sdk.call("AppGetDeviceStatuses", "token-20001",
                Map.of("ProductId", device.productId(), "DeviceIds", List.of(device.deviceName())));
        assertTrue(statuses.success(), () -> statuses.toString());
        JsonNode status = statuses.data().path("DeviceStatuses").path(0);
        assertEquals(device.id(), status.path("DeviceId").asText());
        assertEquals(device.deviceName(), status.path("DeviceName").asText());
        assertEquals(1, status.path("Online").asInt(), "the device is connected (and has just reported)");

        AppSdks.Outcome accept = sdk.call("AppControlDeviceData", "token-20001",
                Map.of("ProductId", device.productId(), "DeviceName", device.deviceName(),
                        "Data", AppClient.data(device, 1, "20001").toString()));
        assertTrue(accept.success(), () -> accept.toString());
        device.awaitControl(1);
        device.awaitReply(device.report(2, "20001"));
        device.awaitReply(device.report(0, "20001"));
        awaitEvents("call.ringing", "call.accepted", "call.connected", "call.ended");

        AppSdks.Outcome late = sdk.call("AppControlDeviceData", "token-20001", Map.of("DeviceId", device.id(),
                "Data", AppClient.data(device, 1, "20001").toString()));
        assertFalse(late.success(), sdk + " sees a late accept fail");
        assertEquals(ApiException.NO_ACTIVE_CALL, late.errorCode());
        assertFalse(late.logsInAgain());
    }

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void aRejectedCallAndAStrangersQuestions(AppSdks sdk) {
        AppClient.bind(device, "20001");
        device.awaitReply(device.report(1, "20001"));
        awaitEvents("call.ringing");
        AppSdks.Outcome intruder = sdk.call("AppControlDeviceData", "token-20003", Map.of("DeviceId", device.id(),
                "Data", AppClient.data(device, 1, "20003").toString()));
        assertFalse(intruder.success());
        assertTrue(intruder.errorCode().startsWith("UnauthorizedOperation"), intruder::toString);
        AppSdks.Outcome reject = sdk.call("AppControlDeviceData", "token-20001", Map.of("DeviceId", device.id(),
                "Data", AppClient.data(device, 0, "20001").toString()));
        assertTrue(reject.success(), () -> reject.toString());
        device.awaitControl(0);
        device.awaitReply(device.report(0, "20001"));
        awaitEvents("call.ringing", "call.rejected", "call.ended");

        AppSdks.Outcome stranger = sdk.call("AppGetDeviceData", "token-20003", Map.of("DeviceId", device.id()));
        assertEquals(ApiException.NO_PERMISSION, stranger.errorCode(), stranger::toString);
        AppSdks.Outcome statuses = sdk.call("AppGetDeviceStatuses", "token-20003",
                Map.of("DeviceIds", List.of(device.id())));
        assertEquals(ApiException.NO_PERMISSION, statuses.errorCode());
        assertTrue(statuses.errorMessage().contains(device.id()), statuses::toString);

        AppSdks.Outcome unknown = sdk.call("AppDeleteDevice", "token-20001", Map.of("DeviceId", device.id()));
        assertEquals(ApiException.INVALID_ACTION, unknown.errorCode());
    }

    /**
     * Online is the broker's word: the embedded broker's, or an external one's on its own topics (CI's Mosquitto runs
     * with docs/brokers/mosquitto.conf, which publishes its log).
     */
    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void aDeviceThatLeavesIsOffline(AppSdks sdk) throws Exception {
        AppClient.bind(device, "20001");
        DeviceSim silent = DeviceSim.registered(broker.url());
        AppClient.bind(silent, "20001");
        Awaitility.await().alias("the broker never told of a client connecting: run Mosquitto with"
                + " docs/brokers/mosquitto.conf (log_dest topic), or EMQX (docs/brokers.md, presence)")
                .atMost(Duration.ofSeconds(10)).until(presence::brokerTells);
        Map<String, Object> both = Map.of("DeviceIds", List.of(device.id(), silent.id()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> List.of(1, 1)
                .equals(online(sdk.call("AppGetDeviceStatuses", "token-20001", both))));
        silent.close();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> List.of(1, 0)
                .equals(online(sdk.call("AppGetDeviceStatuses", "token-20001", both))));
    }

    private static List<Integer> online(AppSdks.Outcome statuses) {
        assertTrue(statuses.success(), statuses::toString);
        List<Integer> online = new java.util.ArrayList<>();
        statuses.data().path("DeviceStatuses").forEach(s -> online.add(s.path("Online").asInt(-1)));
        return online;
    }

    private void awaitEvents(String... types) {
        receiver.awaitDelivered(device.id(), types);
    }
}
