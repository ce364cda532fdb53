package io.callbridge.camel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.CallService;
import io.callbridge.p2p.P2pComponent;
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
 * A device as the operator manages it: the users bound to it (the only ones who may call it, read its data and
 * join it on the relay; they ring when the device calls without naming anyone) and its secret (it signs in to the
 * embedded broker and the P2P relay with it).
 */
@ApplicationScoped
@Named("deviceUsers")
public class DeviceUsersBean {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    @Inject
    CallService calls;

    @Inject
    MqttBroker broker;

    @Inject
    @Named("p2p")
    P2pComponent p2p;

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
        String taken = calls.store().deviceByClientId(DeviceCredentials.clientId(device))
                .map(r -> r.device()).filter(other -> !other.equals(device)).map(DeviceId::toString).orElse(null);
        if (taken != null) {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 409);
            exchange.getMessage().setBody(ThingCodec.toJson(Map.of("error", "device " + taken
                    + " signs in with the same client id " + DeviceCredentials.clientId(device))));
            return;
        }
        boolean changed = !calls.store().deviceSecret(device).map(secret.trim()::equals).orElse(false);
        if (changed) {
            calls.store().setDeviceSecret(device, secret.trim());
            // Credentials made from the old secret sign nothing in from now on, including the open connections.
            signOut(device);
        }
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("device", device.toString(), "secret", "set")));
    }

    /** {@code DELETE}: the device can no longer sign in to the relay. */
    public void deleteSecret(Exchange exchange) {
        DeviceId device = device(exchange);
        if (device != null) {
            calls.store().setDeviceSecret(device, null);
            signOut(device);
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 204);
            exchange.getMessage().setBody(null);
        }
    }

    private void signOut(DeviceId device) {
        broker.signOut(device);
        p2p.relay().signOut(device);
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
