package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AppClient;
import io.callbridge.testing.ForwardingReceivers;
import io.callbridge.testing.SdkDevice;
import io.callbridge.testing.WebhookReceiver;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/integrators.md, "Forward call events to a second system", run as the page shows it: a call rings and the
 * caller gives up; the vendor gets every webhook, the second system only the call.ended, once, although its first
 * answer was a 503 (the route's failure is retried as a webhook's is).
 */
@QuarkusTest
@WithTestResource(ForwardingReceivers.class)
class ForwardedEventsTest {

    @Inject
    MqttBroker broker;

    WebhookReceiver receiver;

    @Test
    void aRouteOfOnesOwnForwardsCallEndedOnceThroughAFailure() throws Exception {
        WebhookReceiver second = ForwardingReceivers.secondSystem();
        second.failNext(1, 503);
        DeviceId device = new DeviceId("P" + UUID.randomUUID().toString().replace("-", "").substring(0, 9)
                .toUpperCase(), "door01");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String secret = Base64.getEncoder().encodeToString(key);
        AppClient.registerSecret(device.toString(), secret);
        AppClient.bind(device.toString(), "20001");
        try (SdkDevice sdk = SdkDevice.connect(broker.url(), device, secret, DeviceCredentials.Form.HMAC_SHA256)) {
            for (int status : new int[] {1, 0}) {
                String token = "fw-" + status;
                sdk.publish("{\"method\":\"report\",\"clientToken\":\"" + token + "\",\"params\":{"
                        + "\"_sys_video_call_status\":" + status + ",\"_sys_userid\":\"20001\",\"_sys_caller_id\":\""
                        + device + "\",\"_sys_called_id\":\"20001\"}}");
                assertEquals(0, sdk.reply(token).path("code").asInt());
            }
        }
        receiver.awaitDelivered(device.toString(), "call.ringing", "call.canceled", "call.ended");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> ofDevice(second, device).stream()
                .anyMatch(r -> r.status() == 200));
        List<WebhookReceiver.Received> forwarded = ofDevice(second, device);
        assertEquals(List.of(503, 200), forwarded.stream().map(WebhookReceiver.Received::status).toList(),
                "one failed attempt, then one delivery");
        JsonNode ended = forwarded.get(1).json();
        assertEquals("call.ended", ended.path("type").asText());
        assertEquals("CANCELED", ended.path("data").path("reason").asText(), ended::toString);
        assertTrue(forwarded.stream().allMatch(r -> r.json().path("type").asText().equals("call.ended")), "only call.ended");
        assertTrue(forwarded.get(1).headers().keySet().stream().noneMatch(h -> h.startsWith("Callbridge")
                || h.startsWith("CallBridge")), "CallBridge's own headers stay inside");
    }

    private static List<WebhookReceiver.Received> ofDevice(WebhookReceiver r, DeviceId device) {
        return r.received().stream().filter(x -> x.body().contains(device.toString())).toList();
    }
}
