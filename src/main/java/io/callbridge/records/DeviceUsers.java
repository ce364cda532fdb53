package io.callbridge.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.CallService;
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

import static io.callbridge.records.Answers.device;
import static io.callbridge.records.Answers.problem;

/**
 * The users bound to a device, as the operator manages them: the only ones who may call it, read its data and join
 * it on the relay; they ring when the device calls without naming anyone.
 */
@ApplicationScoped
@Named("deviceUsers")
public class DeviceUsers {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

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
            problem(exchange, 400, e instanceof IOException ? "body is not JSON" : e.getMessage());
            return;
        }
        calls.store().bindUsers(device, users);
        exchange.getMessage().setBody(body(device, calls.store().boundUsers(device)));
    }

    private static String body(DeviceId device, List<String> users) {
        return ThingCodec.toJson(Map.of("device", device.toString(), "users", users));
    }
}
