package io.callbridge.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Duration;

/** A phone app on the P2P relay: signaling commands, the device's stream, its own voice send. */
public final class SimulatedApp implements AutoCloseable {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    private final WsPeer relay;
    private int ids;

    public SimulatedApp(String relayUrl, String device, String accessToken) throws Exception {
        relay = new WsPeer(relayUrl + "/p2p/app/" + device, "Bearer " + accessToken);
    }

    /** Step 5: a command to the device, answered by the simulated device; returns the answer the app got. */
    public String command(String command, SimulatedDevice device, String deviceAnswer, Duration wait) throws Exception {
        String id = "app-" + (++ids);
        relay.send(JSON.createObjectNode().put("type", "command").put("id", id).put("command", command).toString());
        device.answerCommand(deviceAnswer, wait);
        JsonNode answer = relay.await(f -> "answer".equals(f.path("type").asText()) && id.equals(f.path("id").asText()),
                "answer to " + id, wait);
        return answer.path("answer").asText();
    }

    public void openStream(SimulatedDevice device, Duration wait) throws InterruptedException {
        relay.send("{\"type\":\"stream-open\",\"channel\":0,\"quality\":\"standard\"}");
        device.awaitStreamOpen(wait);
    }

    public void awaitStreamBytes(int count, Duration wait) throws InterruptedException {
        relay.awaitBytes(count, wait);
    }

    /** Step 7: the voice send with {@code calltype} video or audio. */
    public void openVoice(String calltype, SimulatedDevice device, Duration wait) throws InterruptedException {
        relay.send("{\"type\":\"voice-open\",\"channel\":0,\"calltype\":\"" + calltype + "\"}");
        JsonNode opened = relay.await("voice", wait);
        if (opened.path("status").asInt(-1) != 0) {
            throw new IllegalStateException("voice refused: " + opened);
        }
        device.awaitVoiceOpen(wait);
    }

    public void sendVoice(byte[] flv) {
        relay.sendBinary(flv);
    }

    /** Step 8.2: the app stops its voice. */
    public void closeVoice() {
        relay.send("{\"type\":\"voice-close\"}");
    }

    public JsonNode awaitVoiceClose(Duration wait) throws InterruptedException {
        return relay.await("voice-close", wait);
    }

    @Override
    public void close() {
        relay.close();
    }
}
