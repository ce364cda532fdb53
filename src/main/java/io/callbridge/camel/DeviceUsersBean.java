package io.callbridge.camel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.CallService;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.UserIds;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A device as the operator manages it: the users bound to it (they ring when the device calls without naming
 * anyone) and its secret (it signs in to the P2P relay with it).
 */
@ApplicationScoped
@Named("deviceUsers")
public class DeviceUsersBean {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    CallService calls;

    public void get(Exchange exchange) {
        DeviceId device = device(exchange);
        if (device != null) {
            exchange.getMessage().setBody(body(device, calls.store().boundUsers(device)));
        }
    }

    /** {@code PUT} with {@code {"users":["20001","20002"]}}: replaces the set. */
    public void put(Exchange exchange) {
        byte[] raw = exchange.getMessage().getBody(byte[].class);
        DeviceId device = device(exchange);
        if (device == null) {
            return;
        }
        List<String> users = new ArrayList<>();
        try {
            JsonNode list = JSON.readTree(raw == null ? new byte[0] : raw).path("users");
            if (!list.isArray()) {
                throw new IllegalArgumentException("body must be {\"users\": [\"<userId>\", ...]}");
            }
            for (JsonNode u : list) {
                if (!u.isTextual()) {
                    throw new IllegalArgumentException("user ids must be strings");
                }
                UserIds.requireValid(u.asText());
                users.add(u.asText());
            }
        } catch (IOException | IllegalArgumentException e) {
            problem(exchange, e instanceof IOException ? "body is not JSON" : e.getMessage());
            return;
        }
        calls.store().bindUsers(device, users);
        exchange.getMessage().setBody(body(device, calls.store().boundUsers(device)));
    }

    /** {@code PUT} with {@code {"secret":"<base64>"}}: the device's secret, never echoed back. */
    public void putSecret(Exchange exchange) {
        byte[] raw = exchange.getMessage().getBody(byte[].class);
        DeviceId device = device(exchange);
        if (device == null) {
            return;
        }
        String secret;
        try {
            JsonNode node = JSON.readTree(raw == null ? new byte[0] : raw).path("secret");
            if (!node.isTextual()) {
                throw new IllegalArgumentException("body must be {\"secret\": \"<base64>\"}");
            }
            secret = DeviceCredentials.requireValidSecret(node.asText());
        } catch (IOException | IllegalArgumentException e) {
            problem(exchange, e instanceof IOException ? "body is not JSON" : e.getMessage());
            return;
        }
        calls.store().setDeviceSecret(device, secret.trim());
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("device", device.toString(), "secret", "set")));
    }

    /** {@code DELETE}: the device can no longer sign in to the relay. */
    public void deleteSecret(Exchange exchange) {
        DeviceId device = device(exchange);
        if (device != null) {
            calls.store().setDeviceSecret(device, null);
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
            exchange.getMessage().setBody(null);
        }
    }

    private static DeviceId device(Exchange exchange) {
        String p = exchange.getMessage().getHeader("productId", String.class);
        String d = exchange.getMessage().getHeader("deviceName", String.class);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        try {
            return new DeviceId(p, d);
        } catch (IllegalArgumentException | NullPointerException e) {
            problem(exchange, e.getMessage());
            return null;
        }
    }

    private static String body(DeviceId device, List<String> users) {
        return ThingCodec.toJson(Map.of("device", device.toString(), "users", users));
    }

    private static void problem(Exchange exchange, String message) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 400);
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("error", message)));
    }
}
