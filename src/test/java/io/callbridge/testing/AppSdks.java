package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

import java.io.UncheckedIOException;
import java.util.Map;
import java.util.UUID;

/**
 * The three kinds of tokenapi client, each sending what it sends and reading the answer exactly as it does
 * (protocol.md §5): the Android Link SDK and app ({@code BaseResponse}, {@code checkRespTokenValid}), the
 * mini-program SDK ({@code requestTokenApi}) and a client that follows the API reference.
 */
public enum AppSdks {

    /** {@code BaseResponse{code = -1, msg, data}}: success is code 0; data.Error (else data) is the error. */
    ANDROID {
        @Override
        public Outcome read(String body) {
            JsonNode root = parse(body);
            // fastjson leaves the field at its default when the key is missing
            int code = root.path("code").isIntegralNumber() ? root.path("code").asInt() : -1;
            JsonNode data = root.path("data");
            if (code == 0) {
                return Outcome.success(data);
            }
            JsonNode error = data.has("Error") ? data.path("Error") : data;
            String errorCode = error.path("Code").asText("");
            boolean logsIn = code == ANDROID_TOKEN_ERROR_CODE && !data.isMissingNode()
                    && TOKEN_ERROR.equals(errorCode);
            return Outcome.failure(errorCode, error.path("Message").asText(root.path("msg").asText("")), logsIn);
        }

        @Override
        RequestSpecification request(ObjectNode body) {
            body.put("Platform", "android").put("AppKey", "app-key").put("Timestamp", System.currentTimeMillis() / 1000)
                    .put("Nonce", 7);
            return RestAssured.given();
        }
    },

    /** {@code {code, msg, data = {}}}: a truthy code fails with data.Error's Code and Message, else resolves data. */
    MINI_PROGRAM {
        @Override
        public Outcome read(String body) {
            JsonNode root = parse(body);
            JsonNode code = root.path("code");
            JsonNode data = root.has("data") ? root.path("data") : JSON.createObjectNode();
            boolean truthy = code.isNumber() ? code.asDouble() != 0 : code.isTextual() ? !code.asText().isEmpty()
                    : code.isBoolean() && code.asBoolean();
            if (!truthy) {
                return Outcome.success(data);
            }
            if (data.has("Error")) {
                String errorCode = data.path("Error").path("Code").asText("");
                return Outcome.failure(errorCode, data.path("Error").path("Message").asText(""),
                        errorCode.contains("InvalidAccessToken"));
            }
            return Outcome.failure(code.asText(), root.path("msg").asText(""), false);
        }

        @Override
        RequestSpecification request(ObjectNode body) {
            body.put("Platform", "wechat").put("RegionId", "ap-guangzhou");
            return RestAssured.given().queryParam("uin", "mini-user").queryParam("cmd", body.path("Action").asText());
        }
    },

    /** {@code {"Response":{…}}}: Response.Error is a failure. */
    REFERENCE {
        @Override
        public Outcome read(String body) {
            JsonNode response = parse(body).path("Response");
            if (response.has("Error")) {
                return Outcome.failure(response.path("Error").path("Code").asText(""),
                        response.path("Error").path("Message").asText(""),
                        TOKEN_ERROR.equals(response.path("Error").path("Code").asText()));
            }
            return Outcome.success(response);
        }

        @Override
        RequestSpecification request(ObjectNode body) {
            return RestAssured.given();
        }
    };

    /** The Android app's {@code ErrorCode.REQ_ERROR_CODE}: the only code after which it checks for a bad token. */
    public static final int ANDROID_TOKEN_ERROR_CODE = -1000;
    public static final String TOKEN_ERROR = "InvalidParameterValue.InvalidAccessToken";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the SDK hands the app: the answer's data, or an error; and whether it sends the user to log in again. */
    public record Outcome(boolean success, JsonNode data, String errorCode, String errorMessage, boolean logsInAgain) {

        static Outcome success(JsonNode data) {
            return new Outcome(true, data, null, null, false);
        }

        static Outcome failure(String code, String message, boolean logsInAgain) {
            return new Outcome(false, MissingNode.getInstance(), code, message, logsInAgain);
        }
    }

    /** The answer as this SDK reads it. */
    public abstract Outcome read(String body);

    /** Adds what this SDK adds to every request; the request it goes out on. */
    abstract RequestSpecification request(ObjectNode body);

    /** Calls the tokenapi as this SDK does: the common fields, then the action's own. */
    public Outcome call(String action, String token, Map<String, ?> params) {
        ObjectNode body = JSON.createObjectNode();
        body.put("Action", action).put("RequestId", UUID.randomUUID().toString()).put("AccessToken", token);
        params.forEach((k, v) -> body.set(k, JSON.valueToTree(v)));
        String answer = request(body).contentType(ContentType.JSON).body(body.toString())
                .post("/api/exploreropen/tokenapi").then().statusCode(200).extract().asString();
        return read(answer);
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
