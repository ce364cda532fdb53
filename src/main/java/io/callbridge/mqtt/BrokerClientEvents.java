package io.callbridge.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an external broker says of its clients connecting and leaving, on topics of its own: Mosquitto in its log
 * (with {@code log_dest topic}, notices on {@code $SYS/broker/log/N}), EMQX (and RMQTT) as client events on
 * {@code $SYS/brokers/{node}/clients/{clientid}/connected|disconnected}. Clients cannot publish to {@code $SYS}
 * on either broker, so what arrives there is the broker's own word.
 */
public final class BrokerClientEvents {

    public static final String MOSQUITTO_LOG = "$SYS/broker/log/N";
    public static final String EMQX_CLIENTS = "$SYS/brokers/+/clients/+/+";
    public static final List<String> FILTERS = List.of(MOSQUITTO_LOG, EMQX_CLIENTS);

    /**
     * A client connected or left; {@code at} is the broker's time in epoch milliseconds, 0 when it does not say. A
     * broker that makes the username the client id (Mosquitto's {@code use_username_as_clientid}) names a device by
     * its platform username, {@code {ProductId}{DeviceName};…}: the client id is what comes before the first ';'.
     */
    public record Change(String clientId, boolean online, long at) {
        public Change {
            int semicolon = clientId.indexOf(';');
            clientId = semicolon > 0 ? clientId.substring(0, semicolon) : clientId;
        }
    }

    private static final Pattern MOSQUITTO_CONNECTED = Pattern.compile("New client connected from \\S+ as (\\S+) \\(");
    // Mosquitto 2.x: "Client X disconnected.", "Client X closed its connection.", "Client X has exceeded timeout,
    // disconnecting.", "Client X disconnected due to protocol error.", "Socket error on client X, disconnecting."
    private static final Pattern MOSQUITTO_LEFT = Pattern.compile(
            "(?:^|\\s)(?:Client|client) (\\S+?),? (disconnected|closed its connection|has exceeded timeout|disconnecting)");
    private static final Pattern EMQX_TOPIC = Pattern.compile("^\\$SYS/brokers/[^/]+/clients/([^/]+)/(connected|disconnected)$");
    // The old connection of a client that connected again: its new one is already online.
    private static final Set<String> EMQX_REPLACED = Set.of("takenover", "takeovered", "discarded");
    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    private BrokerClientEvents() {
    }

    /** The change a message on one of {@link #FILTERS} tells of; empty for every other line or event. */
    public static Optional<Change> parse(String topic, byte[] payload) {
        String text = new String(payload, java.nio.charset.StandardCharsets.UTF_8);
        if (MOSQUITTO_LOG.equals(topic)) {
            return mosquitto(text);
        }
        Matcher t = EMQX_TOPIC.matcher(topic);
        return t.matches() ? emqx(t.group(1), "connected".equals(t.group(2)), text) : Optional.empty();
    }

    private static Optional<Change> mosquitto(String line) {
        long at = 0;
        int colon = line.indexOf(": ");
        if (colon > 0 && line.substring(0, colon).chars().allMatch(Character::isDigit)) {
            at = Long.parseLong(line.substring(0, colon)) * 1000;
        }
        Matcher c = MOSQUITTO_CONNECTED.matcher(line);
        if (c.find()) {
            return Optional.of(new Change(c.group(1), true, at));
        }
        if (line.contains("already connected")) {
            return Optional.empty();
        }
        Matcher l = MOSQUITTO_LEFT.matcher(line);
        if (l.find() && !"<unknown>".equals(l.group(1))) {
            return Optional.of(new Change(l.group(1), false, at));
        }
        return Optional.empty();
    }

    private static Optional<Change> emqx(String topicClientId, boolean online, String payload) {
        String clientId = topicClientId;
        long at = 0;
        try {
            JsonNode event = JSON.readTree(payload);
            if (event != null && event.isObject()) {
                clientId = event.path("clientid").asText(topicClientId);
                at = event.path("ts").asLong(0);
                if (!online && EMQX_REPLACED.contains(event.path("reason").asText(""))) {
                    return Optional.empty();
                }
            }
        } catch (IOException e) {
            // The topic alone says who and what.
        }
        return clientId.isEmpty() ? Optional.empty() : Optional.of(new Change(clientId, online, at));
    }
}
