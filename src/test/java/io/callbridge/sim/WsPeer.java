package io.callbridge.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** One side of a P2P relay connection: JSON text frames in a list, binary frames appended, waits with a limit. */
final class WsPeer implements AutoCloseable {

    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    private final WebSocket ws;
    private final List<JsonNode> texts = new ArrayList<>();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();

    /** Connects with the given Authorization header value ("Bearer …" for an app, "Basic …" for a device). */
    WsPeer(String uri, String authorization) throws Exception {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        StringBuilder partial = new StringBuilder();
        ws = builder.buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        JsonNode frame = JSON.readTree(partial.toString());
                        synchronized (WsPeer.this) {
                            texts.add(frame);
                            WsPeer.this.notifyAll();
                        }
                    } catch (Exception e) {
                        // not JSON: nothing the simulators wait for
                    }
                    partial.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                byte[] b = new byte[data.remaining()];
                data.get(b);
                synchronized (WsPeer.this) {
                    binary.write(b, 0, b.length);
                    WsPeer.this.notifyAll();
                }
                w.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
    }

    void send(String json) {
        ws.sendText(json, true).join();
    }

    void sendBinary(byte[] data) {
        ws.sendBinary(ByteBuffer.wrap(data), true).join();
    }

    /** The first text frame of this type, taken; fails after {@code wait}. */
    synchronized JsonNode await(String type, Duration wait) throws InterruptedException {
        return await(f -> type.equals(f.path("type").asText()), "a " + type + " frame", wait);
    }

    synchronized JsonNode await(Predicate<JsonNode> match, String what, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (JsonNode f : texts) {
                if (match.test(f)) {
                    texts.remove(f);
                    return f;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("no " + what + " within " + wait.toSeconds() + " s; got " + texts);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized void awaitBytes(int count, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (binary.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("only " + binary.size() + " of " + count + " media bytes arrived");
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    @Override
    public void close() {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        ws.abort();
    }
}
