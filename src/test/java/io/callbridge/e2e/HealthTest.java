package io.callbridge.e2e;

import io.callbridge.runtime.MqttBroker;
import io.callbridge.testing.CallBridgeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class HealthTest {

    @Inject
    CamelContext camel;

    @Inject
    MqttBroker broker;

    @Test
    void usesTheConfiguredBrokerOrElseTheEmbeddedOne() {
        String external = System.getenv("CALLBRIDGE_MQTT_BROKER_URL");
        if (external != null) {
            assertEquals(external, broker.url());
            assertFalse(broker.embedded());
        } else {
            assertTrue(broker.embedded());
        }
    }

    @Test
    void downWhileTheUplinkIsNotConnected() throws Exception {
        RestAssured.get("/q/health").then().statusCode(200)
                .body("checks.findAll { it.name == 'mqtt' }.status", hasItem("UP"));

        camel.getRouteController().stopRoute("device-uplink");
        try {
            RestAssured.get("/q/health").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body("checks.findAll { it.name == 'mqtt' }.status", hasItem("DOWN"));
        } finally {
            camel.getRouteController().startRoute("device-uplink");
        }
        RestAssured.get("/q/health").then().statusCode(200)
                .body("checks.findAll { it.name == 'mqtt' }.status", hasItem("UP"));
    }
}
