package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A real WebSocket peer for tests (the JDK's client): a device or an app on the P2P relay. */
public final class WsClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final WebSocket ws;
    private final List<JsonNode> texts = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private final AtomicInteger pings = new AtomicInteger();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();

    private WsClient(WebSocket.Builder builder, URI uri) throws Exception {
        StringBuilder partial = new StringBuilder();
        ws = builder.buildAsync(uri, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        texts.add(JSON.readTree(partial.toString()));
                    } catch (Exception e) {
                        texts.add(JSON.createObjectNode().put("unparsable", partial.toString()));
                    }
                    partial.setLength(0);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                synchronized (binary) {
                    byte[] b = new byte[data.remaining()];
                    data.get(b);
                    binary.write(b, 0, b.length);
                }
                w.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onPing(WebSocket w, ByteBuffer message) {
                pings.incrementAndGet();
                return WebSocket.Listener.super.onPing(w, message);
            }

            @Override
            public CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }

            @Override
            public void onError(WebSocket w, Throwable error) {
                closed.complete(-1);
            }
        }).get(10, TimeUnit.SECONDS);
    }

    public static WsClient connect(String uri) throws Exception {
        return new WsClient(HttpClient.newHttpClient().newWebSocketBuilder(), URI.create(uri));
    }

    public static WsClient connect(String uri, String bearer) throws Exception {
        return connectWithAuthorization(uri, "Bearer " + bearer);
    }

    /** With the whole Authorization header value ("Basic …" for a device). */
    public static WsClient connectWithAuthorization(String uri, String authorization) throws Exception {
        return new WsClient(HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", authorization),
                URI.create(uri));
    }

    /** One frame at a time: the JDK's WebSocket refuses a send while another is pending (a keep-alive thread). */
    public synchronized WsClient send(String text) {
        ws.sendText(text, true).join();
        return this;
    }

    public synchronized WsClient sendBinary(byte[] data) {
        ws.sendBinary(ByteBuffer.wrap(data), true).join();
        return this;
    }

    /** Waits for a text frame matching the predicate and takes it. */
    public JsonNode await(Predicate<JsonNode> match) {
        return Inbox.take(texts, match, Duration.ofSeconds(10));
    }

    public JsonNode awaitType(String type) {
        return await(t -> type.equals(t.path("type").asText()));
    }

    public byte[] binaryReceived() {
        synchronized (binary) {
            return binary.toByteArray();
        }
    }

    public int pings() {
        return pings.get();
    }

    public List<JsonNode> texts() {
        return List.copyOf(texts);
    }

    /** The close code the server sent, waiting for it. */
    public int awaitClose() throws Exception {
        return closed.get(10, TimeUnit.SECONDS);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            ws.abort();
        }
    }
}
