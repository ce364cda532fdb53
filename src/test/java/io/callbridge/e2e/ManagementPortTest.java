package io.callbridge.e2e;

import io.callbridge.testing.CallBridgeProcess;
import io.callbridge.testing.CallBridgeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;

/**
 * With {@code callbridge.admin.port} the management API, health and metrics move to a port of their own: the API
 * port facing apps answers 404 for them (not 401: it shows nothing), and the app API stays where it was.
 */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
@TestProfile(ManagementPortTest.OwnPort.class)
class ManagementPortTest {

    static final int PORT = freePort();

    public static class OwnPort implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("callbridge.admin.port", String.valueOf(PORT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/calls", "/api/webhooks/failed", "/api/devices/ABCDEFGHIJ/door1/users",
            "/api/broker/mosquitto/acl-file", "/q/health", "/q/metrics"})
    void theManagementEndpointsAnswerOnlyOnTheirOwnPort(String path) {
        RestAssured.given().header("Authorization", "Bearer " + CallBridgeTestResource.ADMIN_TOKEN).get(path).then()
                .statusCode(404);
        RestAssured.given().port(PORT).header("Authorization", "Bearer " + CallBridgeTestResource.ADMIN_TOKEN)
                .get(path).then().statusCode(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/calls", "/api/broker/mosquitto/password-file"})
    void onTheirOwnPortTheyStillTakeTheToken(String path) {
        RestAssured.given().port(PORT).get(path).then().statusCode(401);
    }

    @org.junit.jupiter.api.Test
    void theAppApiStaysOnTheApiPort() {
        RestAssured.given().contentType("application/json").body("{\"Action\":\"AppGetDeviceData\"}")
                .post("/api/exploreropen/tokenapi").then().statusCode(200).body(containsString("Error"));
    }

    private static int freePort() {
        try {
            return CallBridgeProcess.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
