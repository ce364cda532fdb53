package io.callbridge.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

import java.util.UUID;

/** The phone app: calls the tokenapi as the platform's app SDK does. */
public final class AppClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AppClient() {
    }

    /** A request to the management API (/api/calls, /api/webhooks, /api/devices) with the test's admin token. */
    public static io.restassured.specification.RequestSpecification admin() {
        return RestAssured.given().header("Authorization", "Bearer " + CallBridgeTestResource.ADMIN_TOKEN);
    }

    /** Binds the users to the device as the operator does: they may call it, read its data and join it. */
    public static void bind(DeviceSim device, String... users) {
        bind(device.id(), users);
    }

    public static void bind(String device, String... users) {
        ObjectNode body = JSON.createObjectNode();
        var list = body.putArray("users");
        for (String u : users) {
            list.add(u);
        }
        admin().contentType(ContentType.JSON).body(body.toString())
                .put("/api/devices/" + device + "/users").then().statusCode(200);
    }

    /** Registers the device's secret (base64) as the operator does: it signs in to the broker and relay with it. */
    public static void registerSecret(String device, String secret) {
        admin().contentType(ContentType.JSON).body(JSON.createObjectNode().put("secret", Secrets.used(secret)).toString())
                .put("/api/devices/" + device + "/secret").then().statusCode(200);
    }

    /** The seed's Data for step 3, from {@code user} about {@code device}'s call. */
    public static ObjectNode data(DeviceSim device, int status, String user) {
        ObjectNode data = JSON.createObjectNode();
        data.put("_sys_video_call_status", status);
        data.put("username", "father");
        data.put("_sys_userid", user);
        data.put("_sys_caller_id", device.id());
        data.put("_sys_called_id", user);
        data.put("_sys_user_agent", DeviceSim.UA);
        return data;
    }

    /** Data for the mirror flow: {@code user} calls the device (1) or cancels / hangs up (0). */
    public static ObjectNode callData(DeviceSim device, int status, String user) {
        return data(device, status, user).put("_sys_caller_id", user).put("_sys_called_id", device.id())
                .put("_sys_user_agent", "ios/1.0.0 (ios;iphone 13;zh-CN)");
    }

    public static JsonPath callDevice(DeviceSim device, int status, String user) {
        return control(device, "token-" + user, callData(device, status, user).toString());
    }

    public static JsonPath control(DeviceSim device, int status, String user) {
        return control(device, "token-" + user, data(device, status, user).toString());
    }

    public static JsonPath control(DeviceSim device, String token, String data) {
        ObjectNode body = envelope("AppControlDeviceData", token, device);
        body.put("Data", data);
        return post(body.toString());
    }

    public static JsonPath getDeviceData(DeviceSim device, String user) {
        return post(envelope("AppGetDeviceData", "token-" + user, device).toString());
    }

    public static ObjectNode envelope(String action, String token, DeviceSim device) {
        ObjectNode body = JSON.createObjectNode();
        body.put("Action", action);
        body.put("RequestId", UUID.randomUUID().toString());
        body.put("AccessToken", token);
        body.put("ProductId", device.productId());
        body.put("DeviceName", device.deviceName());
        return body;
    }

    public static JsonPath post(String body) {
        return RestAssured.given().contentType(ContentType.JSON).body(body)
                .post("/api/exploreropen/tokenapi")
                .then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }
}
