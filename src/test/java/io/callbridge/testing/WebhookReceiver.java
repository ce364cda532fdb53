package io.callbridge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP webhook endpoint for tests, on 127.0.0.1 and a free port. Records every POST to {@link #url()},
 * checks its Standard Webhooks signature with the reference library (not with our own signer, so the two are
 * checked against each other), and can be told to fail or answer slowly.
 */
public final class WebhookReceiver implements AutoCloseable {

    public static final String PATH = "/hooks";
    public static final int DEFAULT_THREADS = 8;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One POST as it arrived. Header names are lower-cased; {@code id}, {@code timestamp} and {@code signature}
     * are the first webhook-* header values (null when absent); {@code type} and {@code json} are null when the
     * body is not a JSON object with a textual {@code type}. {@code status} is what this receiver answered.
     */
    public record Received(String id, String timestamp, String signature, String body, boolean verified,
            Instant at, String type, JsonNode json,
            Map<String, List<String>> headers, byte[] rawBody, int status) {

        /** First value of a header, name matched case-insensitively; null when absent. */
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** A copy: a record component array would otherwise let one test mutate what another reads. */
        @Override
        public byte[] rawBody() {
            return rawBody.clone();
        }
    }

    private java.util.function.Predicate<String> failOnly = body -> true;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Webhook verifier;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    // Counted down by close() so that delayed answers stop waiting at once instead of holding the executor.
    private final CountDownLatch closing = new CountDownLatch(1);

    // Response plan; guarded by "this" so that a count and its status/delay are taken together.
    private int failRemaining;
    private int failStatus;
    private int delayRemaining;
    private Duration delayNextBy = Duration.ZERO;
    private int alwaysStatus = 200;
    private Duration alwaysDelay = Duration.ZERO;

    private WebhookReceiver(String secret, int threads) throws IOException {
        this.verifier = newVerifier(secret);
        this.executor = Executors.newFixedThreadPool(threads, daemonThreads());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext(PATH, this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts a receiver verifying with {@code secret} ({@code whsec_<base64>}) and {@value #DEFAULT_THREADS} threads. */
    public static WebhookReceiver start(String secret) {
        return start(secret, DEFAULT_THREADS);
    }

    /** As {@link #start(String)}; {@code threads} bounds how many requests can be answered (or delayed) at once. */
    public static WebhookReceiver start(String secret, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
        try {
            return new WebhookReceiver(secret, threads);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start webhook receiver", e);
        }
    }

    /** e.g. {@code http://127.0.0.1:41234/hooks} */
    public String url() {
        return "http://127.0.0.1:" + port() + PATH;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Snapshot of every POST so far, in arrival order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The received POSTs whose JSON body has {@code "type": type}. */
    public List<Received> eventsOfType(String type) {
        return received.stream().filter(r -> Objects.equals(type, r.type())).toList();
    }

    /** The call events about this device that were delivered (answered 200), in the order of their call sequence. */
    public List<Received> deliveredFor(String device) {
        return received.stream().filter(r -> r.status() == 200)
                .filter(r -> device.equals(r.json().path("data").path("device").asText()))
                .sorted(java.util.Comparator.comparingInt(r -> r.json().path("data").path("seq").asInt()))
                .toList();
    }

    /** Waits until the device's delivered events are at least as many as these types, then checks they are these. */
    public List<Received> awaitDelivered(String device, String... types) {
        List<String> expected = List.of(types);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15))
                .until(() -> deliveredFor(device).size() >= expected.size());
        List<Received> delivered = deliveredFor(device);
        org.junit.jupiter.api.Assertions.assertEquals(expected, delivered.stream().map(Received::type).toList());
        return delivered;
    }

    /** Forgets what was received; the response plan is kept (see {@link #reset()}). */
    public void clear() {
        received.clear();
    }

    /** Answers the next {@code n} requests with {@code status}, then goes back to the usual answer. */
    public synchronized WebhookReceiver failNext(int n, int status) {
        return failNext(n, status, body -> true);
    }

    /**
     * Answers the next {@code n} requests whose body contains {@code marker} with {@code status}: other requests
     * (say, late events of an earlier test) neither fail nor use up the count.
     */
    public synchronized WebhookReceiver failNext(int n, int status, String marker) {
        return failNext(n, status, body -> body.contains(marker));
    }

    private synchronized WebhookReceiver failNext(int n, int status, java.util.function.Predicate<String> only) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        failRemaining = n;
        failStatus = checkStatus(status);
        failOnly = only;
        return this;
    }

    /** Answers every request (after any {@link #failNext}) with {@code status} until {@link #reset()}. */
    public synchronized WebhookReceiver respondAlways(int status) {
        alwaysStatus = checkStatus(status);
        return this;
    }

    /** Delays every answer by {@code delay} until {@link #reset()}; the request is recorded before the wait. */
    public synchronized WebhookReceiver delayResponses(Duration delay) {
        alwaysDelay = Objects.requireNonNull(delay, "delay");
        return this;
    }

    /** Delays the next {@code n} answers by {@code delay}, then goes back to the usual delay. */
    public synchronized WebhookReceiver delayNext(int n, Duration delay) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        delayRemaining = n;
        delayNextBy = Objects.requireNonNull(delay, "delay");
        return this;
    }

    /** Back to answering 200 at once; what was received is kept (see {@link #clear()}). */
    public synchronized WebhookReceiver reset() {
        failRemaining = 0;
        failOnly = body -> true;
        delayRemaining = 0;
        delayNextBy = Duration.ZERO;
        alwaysStatus = 200;
        alwaysDelay = Duration.ZERO;
        return this;
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"POST".equalsIgnoreCase(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Allow", "POST");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            Instant at = Instant.now();
            int status;
            Duration delay;
            String text = new String(raw, StandardCharsets.UTF_8);
            synchronized (this) {
                boolean fail = failRemaining > 0 && failOnly.test(text);
                status = fail ? failStatus : alwaysStatus;
                failRemaining = fail ? failRemaining - 1 : failRemaining;
                delay = delayRemaining > 0 ? delayNextBy : alwaysDelay;
                delayRemaining = Math.max(0, delayRemaining - 1);
            }
            // Recorded before the delay, so a timeout test can see that the request did arrive.
            received.add(record(exchange, raw, at, status));
            if (!delay.isZero() && !delay.isNegative()) {
                try {
                    closing.await(delay.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            exchange.sendResponseHeaders(status, -1);
        }
    }

    private Received record(HttpExchange exchange, byte[] raw, Instant at, int status) {
        // HttpServer capitalises names ("Webhook-id"); lower-case them so tests can look up the wire names.
        Map<String, List<String>> headers = new TreeMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers
                .computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        headers.replaceAll((name, values) -> List.copyOf(values));

        String body = new String(raw, StandardCharsets.UTF_8);
        boolean verified;
        try {
            verifier.verify(body, headers);
            verified = true;
        } catch (WebhookVerificationException | RuntimeException e) {
            verified = false;
        }

        JsonNode json = null;
        String type = null;
        try {
            JsonNode parsed = JSON.readTree(raw);
            if (parsed != null && parsed.isObject()) {
                json = parsed;
                JsonNode t = parsed.get("type");
                type = t != null && t.isTextual() ? t.asText() : null;
            }
        } catch (IOException e) {
            // Not JSON: json and type stay null; the test sees the raw body.
        }

        Map<String, List<String>> frozen = Collections.unmodifiableMap(headers);
        return new Received(first(frozen, "webhook-id"), first(frozen, "webhook-timestamp"),
                first(frozen, "webhook-signature"), body, verified, at, type, json, frozen, raw, status);
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Webhook newVerifier(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("Webhook secret must not be blank");
        }
        try {
            return new Webhook(secret);
        } catch (EmptyWebhookSecretException | IllegalArgumentException e) {
            throw new IllegalArgumentException("Webhook secret is not valid: expected whsec_<base64>", e);
        }
    }

    private static int checkStatus(int status) {
        // 1xx are not final answers; HttpServer cannot send them as one.
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("Not a final HTTP status (200-599): " + status);
        }
        return status;
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "webhook-receiver-" + n.incrementAndGet());
            t.setDaemon(true); // a receiver a test forgot to close must not keep the JVM alive
            return t;
        };
    }
}
