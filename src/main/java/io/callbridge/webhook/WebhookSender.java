package io.callbridge.webhook;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes webhook attempts: signs the outbox row's body for this attempt (Standard Webhooks), POSTs it with
 * Vert.x's pooled, non-blocking HTTP client (keep-alive connections, no thread held while a receiver thinks),
 * and settles the outcome in the outbox. At most {@code maxInFlight} attempts at once: beyond that an attempt is
 * refused and the poller takes it up later, so a slow receiver cannot fill the memory.
 */
public final class WebhookSender implements Outbox.Sender, AutoCloseable {

    /** Counts attempts by outcome, for metrics. */
    public interface Outcomes {
        void delivered(Outbox.Entry entry, long millis);

        void failed(Outbox.Entry entry, Outbox.Status status, String why);
    }

    private static final Logger LOG = Logger.getLogger(WebhookSender.class);

    private final HttpClient http;
    // Every attempt runs on one of these event loops from start to end: a response handled on another thread than
    // its connection's can end before its body is asked for, and then the attempt never completes.
    private final Context[] loops;
    private final AtomicInteger next = new AtomicInteger();
    private final Outbox outbox;
    private final WebhookSigner signer;
    private final long timeoutMillis;
    private final int maxInFlight;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    private volatile Outcomes outcomes;

    public WebhookSender(Vertx vertx, Outbox outbox, WebhookSigner signer, Duration connectTimeout, Duration timeout,
            int maxInFlight, Clock clock) {
        this.outbox = outbox;
        this.signer = signer;
        this.timeoutMillis = timeout.toMillis();
        this.maxInFlight = maxInFlight;
        this.clock = clock;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) connectTimeout.toMillis())
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setIdleTimeout(60), new PoolOptions().setHttp1MaxSize(Math.max(8, Math.min(maxInFlight, 128))));
        this.loops = new Context[2];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = vertx.getOrCreateContext();
        }
    }

    public void outcomes(Outcomes outcomes) {
        this.outcomes = outcomes;
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Room for this many more attempts now. */
    public int room() {
        return Math.max(0, maxInFlight - inFlight.get());
    }

    /** Attempts refused for lack of room (left to the poller). */
    public long refused() {
        return refused.get();
    }

    @Override
    public boolean offer(Outbox.Entry entry) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            refused.incrementAndGet();
            return false;
        }
        loops[Math.floorMod(next.getAndIncrement(), loops.length)].runOnContext(v -> {
            try {
                attempt(entry);
            } catch (RuntimeException e) {
                inFlight.decrementAndGet();
                settle(entry, null, e.getClass().getSimpleName() + ": " + e.getMessage(), null);
            }
        });
        return true;
    }

    private void attempt(Outbox.Entry entry) {
        long started = System.nanoTime();
        Map<String, String> signed = signer.headers(entry.webhookId(), clock.millis() / 1000, entry.body());
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(entry.url())
                .setTimeout(timeoutMillis).putHeader("Content-Type", "application/json");
        signed.forEach(request::putHeader);
        Buffer body = Buffer.buffer(entry.body().getBytes(StandardCharsets.UTF_8));
        http.request(request)
                .compose(req -> req.send(body))
                .compose(resp -> resp.body().map(ignored -> resp))
                .onComplete(result -> {
                    inFlight.decrementAndGet();
                    if (result.succeeded()) {
                        answered(entry, result.result(), started);
                    } else {
                        Throwable e = result.cause();
                        settle(entry, null, e.getClass().getSimpleName() + ": " + e.getMessage(), null);
                    }
                });
    }

    /** 2xx is delivered; anything else is retried (410: never again; 429 and 503 as Retry-After says). */
    private void answered(Outbox.Entry entry, HttpClientResponse response, long started) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            outbox.delivered(entry);
            Outcomes o = outcomes;
            if (o != null) {
                o.delivered(entry, (System.nanoTime() - started) / 1_000_000);
            }
            return;
        }
        Duration retryAfter = status == 429 || status == 503 ? retryAfter(response.getHeader("Retry-After")) : null;
        settle(entry, status, "HTTP " + status, retryAfter);
    }

    private void settle(Outbox.Entry entry, Integer status, String why, Duration retryAfter) {
        Outbox.Status outcome = outbox.failed(entry, status, why, retryAfter);
        Outcomes o = outcomes;
        if (o != null) {
            o.failed(entry, outcome, why);
        }
        switch (outcome) {
            case PENDING -> LOG.infof("Webhook %s (%s) to %s failed (%s), attempt %d; will retry", entry.webhookId(),
                    entry.type(), entry.url(), why, entry.attempts() + 1);
            case GONE -> LOG.warnf("Webhook %s (%s) to %s: receiver answered 410 Gone; not retried",
                    entry.webhookId(), entry.type(), entry.url());
            default -> LOG.log(entry.urgent() ? Logger.Level.WARN : Logger.Level.ERROR, String.format(
                    "Webhook %s (%s) to %s given up after %d attempts (%s)%s", entry.webhookId(), entry.type(),
                    entry.url(), entry.attempts() + 1, why,
                    entry.urgent() ? "" : "; listed at GET /api/webhooks/failed, replay with POST /api/webhooks/"
                            + entry.webhookId() + "/replay"));
        }
    }

    /** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration left = Duration.between(Instant.now(), at);
                return left.isNegative() ? Duration.ZERO : left;
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
