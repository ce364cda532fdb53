package io.callbridge.e2e;

import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceFleet;
import io.callbridge.testing.DeviceSim;
import io.callbridge.testing.HealthWatch;
import io.callbridge.testing.LoadReceiver;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load on the packaged jar as the README runs it, with its embedded broker: a thousand rings a second for a
 * minute, a flood from one client, a burst larger than the broker's old queue cap. Each ends with every report
 * answered once, every ring's webhook delivered once, nothing left unacknowledged, and health UP throughout.
 * It asserts no timing: how fast is the benchmark's business (docs/benchmarks.md).
 */
class OverloadIT {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final Pattern UNACKED = Pattern.compile("(?m)^callbridge_uplink_unacknowledged (\\S+)");

    @TempDir
    Path dir;

    private LoadReceiver receiver;
    private CallBridgeProcess callbridge;
    private String broker;

    @BeforeEach
    void setUp() throws Exception {
        receiver = new LoadReceiver(SECRET);
        int port = CallBridgeProcess.freePort();
        broker = "tcp://127.0.0.1:" + port;
        callbridge = new CallBridgeProcess(dir.resolve("callbridge"), Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(port),
                "callbridge.webhooks.url", receiver.url(),
                "callbridge.webhooks.secret", SECRET,
                "callbridge.call.ring-timeout", "1h",
                // The fleet speaks for many devices per connection, as the load harness does: devices sign in anonymously.
                "callbridge.mqtt.embedded.anonymous-devices", "true")).start();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (callbridge != null) {
            callbridge.stop();
        }
        receiver.close();
    }

    @Test
    void aThousandRingsASecondForAMinute() throws Exception {
        try (HealthWatch health = new HealthWatch(callbridge.baseUrl());
                DeviceFleet fleet = new DeviceFleet(broker, 8, 50)) {
            int rings = 60_000;
            int first = fleet.ringAt(rings, 1000);
            awaitEveryRing(fleet, first, rings, Duration.ofMinutes(3));
            assertAllOnce(fleet, rings);
            assertTrue(health.notUp().isEmpty(), "health UP throughout: " + health.notUp());
        }
    }

    @Test
    void aFloodOfTwoThousandReportsFromOneClient() throws Exception {
        try (HealthWatch health = new HealthWatch(callbridge.baseUrl());
                DeviceFleet fleet = new DeviceFleet(broker, 1, 1000)) {
            int first = fleet.burst(2000);
            awaitEveryRing(fleet, first, 2000, Duration.ofMinutes(2));
            assertAllOnce(fleet, 2000);
            // Not deaf afterwards: a new device is answered at once.
            try (DeviceSim device = DeviceSim.random(broker)) {
                assertEquals(0, device.awaitReply(device.report(1, "20001")).path("code").asInt());
            }
            assertTrue(health.notUp().isEmpty(), "health UP throughout: " + health.notUp());
        }
    }

    /** HiveMQ kept 1,000 messages per client by default: 10,000 rings at once gave 1,202 calls before. */
    @Test
    void aBurstLargerThanTheBrokersOldCapArrivesWhole() throws Exception {
        try (HealthWatch health = new HealthWatch(callbridge.baseUrl());
                DeviceFleet fleet = new DeviceFleet(broker, 4, 1000)) {
            int first = fleet.burst(10_000);
            awaitEveryRing(fleet, first, 10_000, Duration.ofMinutes(3));
            assertAllOnce(fleet, 10_000);
            assertTrue(health.notUp().isEmpty(), "health UP throughout: " + health.notUp());
        }
    }

    private void awaitEveryRing(DeviceFleet fleet, int first, int rings, Duration atMost) {
        Awaitility.await("every ring answered and its webhook delivered").atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .until(() -> fleet.unanswered(first, rings).isEmpty()
                        && receiver.devices("call.ringing").size() >= rings);
        Awaitility.await("nothing left unacknowledged").atMost(Duration.ofSeconds(30))
                .until(() -> unacknowledged() == 0);
    }

    private void assertAllOnce(DeviceFleet fleet, int rings) {
        assertEquals(0, fleet.publishFailures(), "the broker took every report");
        assertEquals(0, fleet.refusedReplies(), "every report answered with code 0");
        assertEquals(0, fleet.doubleReplies(), "no report answered twice");
        assertEquals(rings, receiver.count("call.ringing"), "one call.ringing per ring");
        assertEquals(List.of(), receiver.duplicateIds(), "no webhook delivered twice");
        assertEquals(0, receiver.unverified(), "every webhook signed");
    }

    private double unacknowledged() throws Exception {
        Matcher m = UNACKED.matcher(callbridge.getAnonymously("/q/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}
