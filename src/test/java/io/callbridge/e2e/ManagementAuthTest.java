package io.callbridge.e2e;

import io.callbridge.testing.AppClient;
import io.callbridge.testing.CallBridgeTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/** The operator's endpoints take the management token; the app API keeps its own tokens. */
@QuarkusTest
@WithTestResource(CallBridgeTestResource.class)
class ManagementAuthTest {

    @ParameterizedTest
    @ValueSource(strings = {"/api/calls", "/api/calls/no-such-call", "/api/webhooks/failed",
            "/api/webhooks/evt_x_1", "/api/devices/ABCDEFGHIJ/door1/users",
            "/api/broker/mosquitto/password-file", "/api/broker/mosquitto/acl-file"})
    void everyManagementEndpointRefusesARequestWithoutTheToken(String path) {
        RestAssured.get(path).then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                .body("error", containsString("Authorization: Bearer"));
        RestAssured.given().header("Authorization", "Bearer not-the-token").get(path).then().statusCode(401)
                .body("error", equalTo("wrong management token"));
        RestAssured.given().header("Authorization", "Basic " + CallBridgeTestResource.ADMIN_TOKEN).get(path).then()
                .statusCode(401);
    }

    @Test
    void withTheTokenTheEndpointsAnswer() {
        AppClient.admin().get("/api/calls").then().statusCode(200);
        RestAssured.given().header("Authorization", "bearer " + CallBridgeTestResource.ADMIN_TOKEN)
                .get("/api/webhooks/failed").then().statusCode(200);
        AppClient.admin().get("/api/calls/no-such-call").then().statusCode(404);
    }

    /** Binding users decides who may join a device's media on the relay: nobody binds themselves. */
    @Test
    void anAnonymousBindingChangesNothing() {
        String users = "/api/devices/ABCDEFGHIJ/door" + System.nanoTime() + "/users";
        RestAssured.given().contentType(ContentType.JSON).body("{\"users\":[\"20003\"]}").put(users).then()
                .statusCode(401);
        AppClient.admin().get(users).then().statusCode(200).body("users", not(hasItem("20003")));
    }
}
