package io.callbridge.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.callbridge.testing.WebhookReceiver.Received;
import io.callbridge.webhook.WebhookSigner;

class WebhookReceiverTest {

    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    // HTTP/1.1: no h2c upgrade attempt against the JDK server.
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    WebhookReceiver receiver;

    @BeforeEach
    void start() {
        receiver = WebhookReceiver.start(SECRET);
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void urlIsLoopbackOnAFreePort() {
        assertEquals("http://127.0.0.1:" + receiver.port() + "/hooks", receiver.url());
        assertTrue(receiver.port() > 0);
    }

    @Test
    void signedPostIsRecordedAsVerified() throws Exception {
        String body = "{\"type\":\"call.started\",\"data\":{\"deviceId\":\"dev-1\"}}";
        Map<String, String> headers = new WebhookSigner(SECRET).headers("msg_1", Instant.now().getEpochSecond(), body);

        HttpResponse<Void> response = post(body, headers, Duration.ofSeconds(5));

        assertEquals(200, response.statusCode());
        List<Received> received = receiver.received();
        assertEquals(1, received.size());
        Received r = received.get(0);
        assertTrue(r.verified());
        assertEquals("msg_1", r.id());
        assertEquals(headers.get("webhook-timestamp"), r.timestamp());
        assertEquals(headers.get("webhook-signature"), r.signature());
        assertEquals(body, r.body());
        assertArrayEquals(body.getBytes(StandardCharsets.UTF_8), r.rawBody());
        assertEquals("call.started", r.type());
        assertEquals("dev-1", r.json().path("data").path("deviceId").asText());
        assertEquals("application/json", r.header("Content-Type"));
        assertTrue(r.headers().containsKey("webhook-signature"), "header names are lower-cased");
        assertEquals(200, r.status());
        assertEquals(List.of(r), receiver.eventsOfType("call.started"));
        assertEquals(List.of(), receiver.eventsOfType("call.ended"));
    }

    @Test
    void unsignedPostIsRecordedAsNotVerified() throws Exception {
        HttpResponse<Void> response = post("{\"type\":\"call.ended\"}", Map.of(), Duration.ofSeconds(5));

        assertEquals(200, response.statusCode());
        Received r = receiver.received().get(0);
        assertFalse(r.verified());
        assertNull(r.id());
        assertEquals("call.ended", r.type());
    }

    @Test
    void postSignedWithAnotherSecretIsNotVerified() throws Exception {
        String body = "{\"type\":\"call.ended\"}";
        Map<String, String> headers = new WebhookSigner("whsec_" + "A".repeat(32))
                .headers("msg_2", Instant.now().getEpochSecond(), body);

        post(body, headers, Duration.ofSeconds(5));

        assertFalse(receiver.received().get(0).verified());
    }

    @Test
    void failNextAnswersTheGivenStatusThenRecovers() throws Exception {
        receiver.failNext(2, 503);

        assertEquals(503, post("{}", Map.of(), Duration.ofSeconds(5)).statusCode());
        assertEquals(503, post("{}", Map.of(), Duration.ofSeconds(5)).statusCode());
        assertEquals(200, post("{}", Map.of(), Duration.ofSeconds(5)).statusCode());
        assertEquals(List.of(503, 503, 200), receiver.received().stream().map(Received::status).toList());
    }

    @Test
    void respondAlwaysUntilReset() throws Exception {
        receiver.respondAlways(500);
        assertEquals(500, post("{}", Map.of(), Duration.ofSeconds(5)).statusCode());
        assertEquals(500, post("{}", Map.of(), Duration.ofSeconds(5)).statusCode());

        receiver.reset();
        assertEquals(200, post("{}", Map.of(), Duration.ofSeconds(5)).statusCode());

        receiver.clear();
        assertEquals(List.of(), receiver.received());
    }

    @Test
    void slowAnswerTimesOutTheClientWithoutBlockingOthers() throws Exception {
        receiver.delayNext(1, Duration.ofSeconds(30));

        CompletableFuture<HttpResponse<Void>> slow = postAsync("{\"type\":\"slow\"}", Duration.ofMillis(500));
        await().atMost(Duration.ofSeconds(5)).until(() -> receiver.eventsOfType("slow").size() == 1);

        // Answered while the slow one is still being held on another executor thread.
        assertEquals(200, post("{\"type\":\"fast\"}", Map.of(), Duration.ofSeconds(5)).statusCode());

        ExecutionException e = assertThrows(ExecutionException.class, slow::get);
        assertTrue(e.getCause() instanceof HttpTimeoutException, String.valueOf(e.getCause()));
    }

    @Test
    void nonPostIsRefusedAndNotRecorded() throws Exception {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(receiver.url())).GET().build(),
                HttpResponse.BodyHandlers.discarding());

        assertEquals(405, response.statusCode());
        assertEquals(List.of(), receiver.received());
    }

    private HttpResponse<Void> post(String body, Map<String, String> headers, Duration timeout) throws Exception {
        return http.send(request(body, headers, timeout), HttpResponse.BodyHandlers.discarding());
    }

    private CompletableFuture<HttpResponse<Void>> postAsync(String body, Duration timeout) {
        return http.sendAsync(request(body, Map.of(), timeout), HttpResponse.BodyHandlers.discarding());
    }

    private HttpRequest request(String body, Map<String, String> headers, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(receiver.url()))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return b.build();
    }
}
