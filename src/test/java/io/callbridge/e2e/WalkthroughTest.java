package io.callbridge.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.p2p.P2pComponent;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.sim.Walkthrough;
import io.callbridge.testing.CallBridgeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's simulators (a doorbell and a phone app) take a whole call through the running application. */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class WalkthroughTest {

    @Inject
    MqttBroker broker;

    @Inject
    CamelContext camel;

    @ParameterizedTest
    @ValueSource(strings = {"device", "app"})
    void theSimulatorsWatchAWholeCall(String hangup) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        String device = "SIM" + UUID.randomUUID().toString().substring(0, 8).toUpperCase() + "/doorbell";
        Walkthrough.Options options = new Walkthrough.Options(broker.url(), "http://127.0.0.1:" + RestAssured.port,
                "ws://127.0.0.1:" + camel.getComponent("p2p", P2pComponent.class).relay().port(), "token-20001",
                "20001", CallBridgeTestResource.ADMIN_TOKEN, device, hangup);
        JsonNode call = new Walkthrough(options, new PrintStream(printed, true, StandardCharsets.UTF_8)).run();

        assertEquals("ENDED", call.path("state").asText());
        assertEquals("HANGUP", call.path("reason").asText());
        assertEquals("app".equals(hangup) ? "20001" : device, call.path("endedBy").asText());
        String out = printed.toString(StandardCharsets.UTF_8);
        for (String step : new String[] {"1", "2", "3", "4.1", "5", "6", "7", "app".equals(hangup) ? "8.2" : "8.1",
                "9", "record"}) {
            assertTrue(out.contains("[step " + step + "]"), "step " + step + " in\n" + out);
        }
    }
}
