package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A webhook receiver for load: a Vert.x HTTP server on 127.0.0.1 (the JDK's server of {@link WebhookReceiver}
 * tops out near a thousand requests a second here), verifying every signature with the Standard Webhooks
 * library and counting what arrived, by event type and device, and how often each {@code webhook-id} came.
 */
public final class LoadReceiver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final Webhook verifier;
    /** type -> device -> how many. */
    private final Map<String, Map<String, AtomicInteger>> byType = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> ids = new ConcurrentHashMap<>();
    private final AtomicInteger unverified = new AtomicInteger();

    public LoadReceiver(String secret) throws Exception {
        verifier = new Webhook(secret);
        server = vertx.createHttpServer().requestHandler(req -> req.body().onComplete(body -> {
            if (body.failed()) {
                req.response().setStatusCode(400).end();
                return;
            }
            String text = body.result().toString();
            String id = req.getHeader("webhook-id");
            try {
                verifier.verify(text, Map.of(
                        "webhook-id", List.of(String.valueOf(id)),
                        "webhook-timestamp", List.of(String.valueOf(req.getHeader("webhook-timestamp"))),
                        "webhook-signature", List.of(String.valueOf(req.getHeader("webhook-signature")))));
                JsonNode json = JSON.readTree(text);
                byType.computeIfAbsent(json.path("type").asText(), t -> new ConcurrentHashMap<>())
                        .computeIfAbsent(json.path("data").path("device").asText(), d -> new AtomicInteger())
                        .incrementAndGet();
                ids.computeIfAbsent(String.valueOf(id), i -> new AtomicInteger()).incrementAndGet();
            } catch (Exception e) {
                unverified.incrementAndGet();
            }
            req.response().setStatusCode(200).end();
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    public String url() {
        return "http://127.0.0.1:" + server.actualPort() + "/hooks";
    }

    /** Devices that got at least one event of this type. */
    public Set<String> devices(String type) {
        return byType.getOrDefault(type, Map.of()).keySet();
    }

    /** How many events of this type came, duplicates included. */
    public int count(String type) {
        return byType.getOrDefault(type, Map.of()).values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Webhook ids that arrived more than once. */
    public List<String> duplicateIds() {
        return ids.entrySet().stream().filter(e -> e.getValue().get() > 1).map(Map.Entry::getKey).toList();
    }

    /** Requests whose signature did not verify, or whose body was not an event. */
    public int unverified() {
        return unverified.get();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
