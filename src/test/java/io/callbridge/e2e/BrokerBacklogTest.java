package io.callbridge.e2e;

import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.AnonymousDevices;
import io.callbridge.testing.CallBridgeTestResource;
import io.callbridge.testing.DeviceFleet;
import io.callbridge.testing.WebhookReceiver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What devices send while CallBridge is away waits in the broker for CallBridge's session, and a backlog larger
 * than the broker's default cap (Mosquitto and HiveMQ keep 1,000 messages per client) arrives whole: the embedded
 * broker is configured for it, and an external Mosquitto must run with docs/brokers/mosquitto.conf (CI's second
 * pass does).
 */
@QuarkusTest
@TestProfile(AnonymousDevices.class)
@WithTestResource(CallBridgeTestResource.class)
class BrokerBacklogTest {

    private static final int BACKLOG = 5000;

    @Inject
    CamelContext camel;

    @Inject
    MqttBroker broker;

    WebhookReceiver receiver;

    @Test
    void aBacklogLargerThanTheBrokersDefaultCapIsKeptForCallBridge() throws Exception {
        try (DeviceFleet fleet = new DeviceFleet(broker.url(), 2, 200)) {
            camel.getRouteController().stopRoute("device-uplink");
            int first;
            try {
                first = fleet.burst(BACKLOG);
                Awaitility.await("the broker took every report").atMost(Duration.ofSeconds(60))
                        .until(() -> fleet.published() + fleet.publishFailures() == BACKLOG);
                assertEquals(0, fleet.publishFailures());
            } finally {
                camel.getRouteController().startRoute("device-uplink");
            }
            try {
                Awaitility.await("every report of the backlog answered").atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(500)).until(() -> fleet.unanswered(first, BACKLOG).isEmpty());
            } catch (ConditionTimeoutException e) {
                fail(fleet.unanswered(first, BACKLOG).size() + " of " + BACKLOG + " reports never reached CallBridge:"
                        + " the broker " + broker.url() + " dropped them (an external Mosquitto must run with"
                        + " docs/brokers/mosquitto.conf, see docs/brokers.md)");
            }
            assertEquals(0, fleet.refusedReplies());
            Set<String> devices = IntStream.range(first, first + BACKLOG).mapToObj(fleet::device)
                    .collect(Collectors.toSet());
            Awaitility.await("every ring's webhook").atMost(Duration.ofSeconds(60)).until(() -> receiver
                    .eventsOfType("call.ringing").stream().map(r -> r.json().path("data").path("device").asText())
                    .filter(devices::contains).distinct().count() == BACKLOG);
        }
    }
}
