package io.callbridge.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** What every session of a run shares: options, the webhook receiver, the app's HTTP client, folders. */
final class Ctx {
    final Options o;
    final Vertx vertx;
    final WebhookReceiver receiver;
    final HttpClient appHttp;
    final java.net.http.HttpClient probeHttp;
    final String secret;
    final String runId;
    final Path tempRoot;
    final Path logs;
    final Path benchJar;
    final String javaBin;
    /** The CallBridge jar the sessions start: a copy of target/quarkus-app taken at the start of the run. */
    final Path callbridgeJar;
    final AtomicInteger sessions = new AtomicInteger();

    Ctx(Options o, Vertx vertx, WebhookReceiver receiver, HttpClient appHttp, String secret, String runId,
            Path tempRoot, Path logs, Path benchJar, String javaBin, Path callbridgeJar) {
        this.o = o;
        this.vertx = vertx;
        this.receiver = receiver;
        this.appHttp = appHttp;
        this.probeHttp = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(1)).build();
        this.secret = secret;
        this.runId = runId;
        this.tempRoot = tempRoot;
        this.logs = logs;
        this.benchJar = benchJar;
        this.javaBin = javaBin;
        this.callbridgeJar = callbridgeJar;
    }
}
