package io.callbridge.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/**
 * The app vendor's server as far as webhooks go: {@code POST /hooks}, every Standard Webhooks signature
 * verified, 200 at once. Runs on Vert.x event loops in the harness JVM, shared by every system of the run.
 */
final class WebhookReceiver {

    private final Vertx vertx;
    private final byte[] key;
    final int port;
    private volatile Tracker tracker = new Tracker();
    /** Open connections, and the cap past which new ones are closed at once (so the harness keeps file descriptors). */
    private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger maxOpen = new java.util.concurrent.atomic.AtomicInteger();
    private final int maxConnections;
    /** Connections closed for being over the cap; server errors (e.g. "Too many open files" on accept). */
    final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    final java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();

    WebhookReceiver(Vertx vertx, int port, String secret, int instances, int maxConnections) throws Exception {
        this.vertx = vertx;
        this.port = port;
        this.key = Webhooks.key(secret);
        this.maxConnections = maxConnections;
        vertx.deployVerticle(() -> new AbstractVerticle() {
            @Override
            public void start(Promise<Void> started) {
                vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
                                .setTcpNoDelay(true).setAcceptBacklog(4096).setHandle100ContinueAutomatically(true))
                        .connectionHandler(conn -> {
                            int n = open.incrementAndGet();
                            maxOpen.accumulateAndGet(n, Math::max);
                            conn.closeHandler(v -> open.decrementAndGet());
                            if (n > WebhookReceiver.this.maxConnections) {
                                refused.incrementAndGet();
                                conn.close();
                            }
                        })
                        .exceptionHandler(t -> errors.incrementAndGet())
                        .requestHandler(WebhookReceiver.this::handle)
                        .listen().<Void>mapEmpty().onComplete(started);
            }
        }, new DeploymentOptions().setInstances(instances)).toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
    }

    void tracker(Tracker t) {
        tracker = t;
    }

    private void handle(HttpServerRequest req) {
        if (!"/hooks".equals(req.path())) {
            req.response().setStatusCode(404).end();
            return;
        }
        req.body().onComplete(ar -> {
            if (ar.failed()) {
                req.response().setStatusCode(400).end();
                return;
            }
            long now = System.nanoTime();
            byte[] body = ar.result().getBytes();
            String id = req.getHeader("webhook-id");
            boolean ok = Webhooks.verify(key, id, req.getHeader("webhook-timestamp"), body,
                    req.getHeader("webhook-signature"));
            req.response().setStatusCode(200).end();
            tracker.onWebhook(ok, id, body, now);
        });
    }
}
