package io.callbridge.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.callbridge.call.CallService;
import io.callbridge.p2p.P2pComponent;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.util.Map;

import static io.callbridge.records.Answers.device;
import static io.callbridge.records.Answers.problem;

/** A device's secret, as the operator sets it: the device signs in to the embedded broker and the relay with it. */
@ApplicationScoped
@Named("deviceSecrets")
public class DeviceSecrets {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    @Inject
    CallService calls;

    @Inject
    MqttBroker broker;

    @Inject
    @Named("p2p")
    P2pComponent p2p;

    /** {@code PUT} with {@code {"secret":"<base64>"}}: the device's secret, never echoed back. */
    public void put(Exchange exchange) {
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
            problem(exchange, 400, e instanceof IOException ? "body is not JSON" : e.getMessage());
            return;
        }
        String taken = calls.store().deviceByClientId(DeviceCredentials.clientId(device))
                .map(r -> r.device()).filter(other -> !other.equals(device)).map(DeviceId::toString).orElse(null);
        if (taken != null) {
            problem(exchange, 409, "device " + taken + " signs in with the same client id "
                    + DeviceCredentials.clientId(device));
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
    public void delete(Exchange exchange) {
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
        p2p.signOut(device);
    }
}
