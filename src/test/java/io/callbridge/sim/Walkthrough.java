package io.callbridge.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Watch a whole call on one machine: a simulated doorbell (MQTT and the P2P relay) rings a simulated phone app
 * (the tokenapi and the relay) through a running CallBridge, steps 1 to 9 of the seed, media included.
 *
 * <pre>
 * java -cp 'target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*' \
 *   io.callbridge.sim.Walkthrough --mqtt tcp://127.0.0.1:1883 --api http://127.0.0.1:8080 \
 *   --relay ws://127.0.0.1:8090 --token demo-token --user 20001 --admin demo-admin --hangup device
 * </pre>
 */
public final class Walkthrough {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;
    private static final String UA = "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)";
    private static final Duration WAIT = Duration.ofSeconds(15);

    /**
     * Where CallBridge is and who plays the app; {@code admin} is the management API's token (it binds the user to
     * the device and reads the record); {@code hangup} is {@code device} (8.1) or {@code app} (8.2).
     */
    public record Options(String mqtt, String api, String relay, String token, String user, String admin,
            String device, String hangup) {

        static Options parse(String[] args) {
            Map<String, String> o = new LinkedHashMap<>(Map.of("mqtt", "tcp://127.0.0.1:1883",
                    "api", "http://127.0.0.1:8080", "relay", "ws://127.0.0.1:8090", "token", "demo-token",
                    "user", "20001", "admin", "demo-admin", "device", "SIMDOORBEL/" + UUID.randomUUID().toString().substring(0, 8),
                    "hangup", "device"));
            for (int i = 0; i + 1 < args.length; i += 2) {
                String key = args[i].replaceFirst("^--", "");
                if (!o.containsKey(key)) {
                    throw new IllegalArgumentException("unknown option " + args[i] + "; options: " + o.keySet());
                }
                o.put(key, args[i + 1]);
            }
            return new Options(o.get("mqtt"), o.get("api"), o.get("relay"), o.get("token"), o.get("user"),
                    o.get("admin"), o.get("device"), o.get("hangup"));
        }
    }

    private final Options options;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();

    public Walkthrough(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) {
        try {
            new Walkthrough(Options.parse(args), System.out).run();
            System.exit(0);
        } catch (Exception e) {
            System.err.println("FAILED: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Runs the call; throws with the step that went wrong. Returns the call's record as CallBridge keeps it. */
    public JsonNode run() throws Exception {
        String device = options.device();
        String user = options.user();
        put("/api/devices/" + device + "/users", "{\"users\":[\"" + user + "\"]}");
        // The doorbell's secret, as the platform would have issued it; it signs in to the relay with it.
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        String secret = Base64.getEncoder().encodeToString(key);
        put("/api/devices/" + device + "/secret", "{\"secret\":\"" + secret + "\"}");
        try (SimulatedDevice doorbell = new SimulatedDevice(options.mqtt(), options.relay(), device, secret);
                SimulatedApp phone = new SimulatedApp(options.relay(), device, options.token())) {
            step("1", "app " + user + " opens its P2P service for " + device);

            ObjectNode params = callParams(1);
            JsonNode reply = doorbell.report(params, WAIT);
            expect(reply.path("code").asInt() == 0, "2", "report_reply " + reply);
            step("2", "the doorbell rings " + user + ": report_reply " + reply.path("status").asText());

            JsonNode answer = tokenapi(1);
            expect(!answer.path("Response").has("Error"), "3", "AppControlDeviceData answered " + answer);
            step("3", "the app accepts with AppControlDeviceData");
            JsonNode control = doorbell.awaitControl(1, WAIT);
            step("4.1", "the doorbell gets control " + control.path("params").path("_sys_video_call_status"));

            String st = phone.command("action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=standard",
                    doorbell, "[{\"status\":0,\"appConnectNum\":1}]", WAIT);
            step("5", "get_device_st over P2P: " + st);

            reply = doorbell.report(callParams(2), WAIT);
            expect(reply.path("code").asInt() == 0, "6", "report_reply " + reply);
            step("6", "the doorbell is in the call");

            byte[] video = Flv.stream(5, 1200);
            phone.openStream(doorbell, WAIT);
            doorbell.sendStream(video);
            phone.awaitStreamBytes(video.length, WAIT);
            step("7", "the app plays the doorbell's FLV stream (" + video.length + " bytes)");
            byte[] voice = Flv.stream(5, 160);
            phone.openVoice("video", doorbell, WAIT);
            phone.sendVoice(voice);
            doorbell.awaitVoiceBytes(voice.length, WAIT);
            step("7", "the doorbell hears the app's voice, calltype=video (" + voice.length + " bytes of FLV)");

            if ("app".equals(options.hangup())) {
                phone.closeVoice();
                doorbell.awaitVoiceClose(WAIT);
                step("8.2", "the app stops its voice; the doorbell gets voice complete (1000/2000)");
                expect(!tokenapi(0).path("Response").has("Error"), "8.2", "hang-up refused");
                doorbell.awaitControl(0, WAIT);
            } else {
                doorbell.closeVoice();
                phone.awaitVoiceClose(WAIT);
                step("8.1", "the doorbell closes its voice; the app gets voice complete (1000/2000)");
            }
            reply = doorbell.report(callParams(0), WAIT);
            expect(reply.path("code").asInt() == 0, "9", "report_reply " + reply);
            step("9", "the doorbell reports 0: the call is over");
        }
        JsonNode calls = get("/api/calls?device=" + device + "&limit=1").path("calls");
        expect(calls.size() == 1, "record", "no call record for " + device);
        JsonNode call = calls.get(0);
        step("record", call.path("state").asText() + " " + call.path("reason").asText() + ", answered by "
                + call.path("answeredBy").asText() + ", talked " + call.path("talkMillis").asLong() + " ms");
        return call;
    }

    private ObjectNode callParams(int status) {
        ObjectNode p = JSON.createObjectNode();
        p.put("_sys_video_call_status", status);
        p.put("_sys_userid", options.user());
        p.put("_sys_caller_id", options.device());
        p.put("_sys_called_id", options.user());
        p.put("_sys_user_agent", UA);
        return p;
    }

    private JsonNode tokenapi(int status) throws Exception {
        ObjectNode data = callParams(status);
        data.put("username", "father");
        String[] pd = options.device().split("/");
        ObjectNode body = JSON.createObjectNode().put("Action", "AppControlDeviceData")
                .put("RequestId", UUID.randomUUID().toString()).put("AccessToken", options.token())
                .put("ProductId", pd[0]).put("DeviceName", pd[1]).put("Data", data.toString());
        return send(HttpRequest.newBuilder(URI.create(options.api() + "/api/exploreropen/tokenapi"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    private JsonNode get(String path) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(options.api() + path)).header("Authorization",
                "Bearer " + options.admin()).GET());
    }

    private void put(String path, String json) throws Exception {
        send(HttpRequest.newBuilder(URI.create(options.api() + path)).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + options.admin()).PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    private JsonNode send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(r.request().method() + " " + r.uri() + " answered " + r.statusCode()
                    + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private void step(String step, String what) {
        out.printf("[step %s] %s%n", step, what);
    }

    private static void expect(boolean ok, String step, String what) {
        if (!ok) {
            throw new IllegalStateException("step " + step + ": " + what);
        }
    }

    /** Minimal valid FLV: a header and {@code tags} audio tags of {@code size} bytes. */
    static final class Flv {
        static byte[] stream(int tags, int size) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(new byte[] {'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0});
            for (int t = 0; t < tags; t++) {
                int ts = t * 20;
                b.writeBytes(new byte[] {8, (byte) (size >> 16), (byte) (size >> 8), (byte) size,
                        (byte) (ts >> 16), (byte) (ts >> 8), (byte) ts, 0, 0, 0, 0});
                byte[] data = new byte[size];
                data[0] = (byte) 0xAF;
                b.writeBytes(data);
                int prev = 11 + size;
                b.writeBytes(new byte[] {(byte) (prev >> 24), (byte) (prev >> 16), (byte) (prev >> 8), (byte) prev});
            }
            return b.toByteArray();
        }
    }
}
