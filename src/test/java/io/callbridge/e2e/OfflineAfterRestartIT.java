package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.DeviceSim;
import io.callbridge.thing.Json;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After a start the embedded broker is new, so a call left active from before ends OFFLINE once the grace passes
 * without its device. A call rung after the start is not swept with them: the bench's fleet (devices speaking
 * through shared connections, never under their own client id) had 15 whole calls ended OFFLINE that way.
 */
class OfflineAfterRestartIT {

    @TempDir
    Path dir;

    private CallBridgeProcess callbridge;

    @AfterEach
    void tearDown() throws Exception {
        if (callbridge != null) {
            callbridge.stop();
        }
    }

    @Test
    void theStartSweepEndsTheCallsFromBeforeTheStartOnly() throws Exception {
        int port = CallBridgeProcess.freePort();
        String broker = "tcp://127.0.0.1:" + port;
        callbridge = new CallBridgeProcess(dir.resolve("callbridge"), Map.of(
                "callbridge.mqtt.embedded.port", String.valueOf(port),
                // Devices through connections not named after them, as the load harness's fleet speaks.
                "callbridge.mqtt.embedded.anonymous-devices", "true",
                "callbridge.call.ring-timeout", "1h",
                "callbridge.call.offline-grace", "5s")).start();
        String old;
        try (DeviceSim before = DeviceSim.random(broker)) {
            assertEquals(0, before.awaitReply(before.report(1, "20001")).path("code").asInt());
            old = before.id();
        }
        callbridge.stop();
        callbridge.start();

        try (DeviceSim after = DeviceSim.random(broker)) {
            assertEquals(0, after.awaitReply(after.report(1, "20001")).path("code").asInt());
            Awaitility.await("the call from before the start ends OFFLINE").atMost(Duration.ofSeconds(30))
                    .until(() -> "ENDED".equals(call(old).path("state").asText()));
            JsonNode ended = call(old);
            assertEquals("OFFLINE", ended.path("reason").asText(), ended.toString());
            JsonNode ringing = call(after.id());
            assertTrue(Instant.parse(ringing.path("createdAt").asText())
                            .isBefore(Instant.parse(ended.path("endedAt").asText())),
                    "the new call rang before the sweep: " + ringing);
            assertEquals("RINGING", ringing.path("state").asText(), ringing.toString());
        }
    }

    private JsonNode call(String device) throws Exception {
        JsonNode calls = Json.MAPPER.readTree(callbridge.get("/api/calls?device=" + device).body()).path("calls");
        assertEquals(1, calls.size(), calls.toString());
        return calls.get(0);
    }
}
