package io.callbridge.runtime;

import io.callbridge.thing.ThingCodec;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The operator's endpoints ({@code /api/calls}, {@code /api/webhooks}, {@code /api/devices}, {@code /api/broker})
 * show who called whom and decide who may join a device's media, so they take
 * {@code Authorization: Bearer <callbridge.admin.token>}.
 * Without a configured token they are closed, not open. The app API has its own tokens and is not touched here.
 * With {@code callbridge.admin.port} they, health and metrics are served on a port of their own (by default on
 * 127.0.0.1), so that the API port facing apps shows nothing of them.
 */
@ApplicationScoped
public class ManagementAuth {

    private static final Logger LOG = Logger.getLogger(ManagementAuth.class);
    static final String PATHS = "/api/(calls|webhooks|devices|broker)(/.*)?";
    private static final String MANAGEMENT = PATHS + "|/q(/.*)?";
    private static final String BEARER = "Bearer ";

    @Inject
    CallBridgeConfig config;

    @Inject
    Vertx vertx;

    private volatile HttpServer managementServer;

    void install(@Observes @Priority(10) Router router) {
        // Before Camel's platform-http routes, which Quarkus adds to the same router.
        router.routeWithRegex(PATHS).order(-100).handler(this::check);
        if (config.admin().port().isPresent()) {
            router.routeWithRegex(MANAGEMENT).order(-101).handler(this::onlyOnManagementPort);
            managementServer = listen(router, config.admin().host(), config.admin().port().getAsInt());
            LOG.infof("management API, health and metrics on http://%s:%d", config.admin().host(),
                    managementServer.actualPort());
        }
    }

    /** The application's router on a second server: the same routes, told apart by the port they came in on. */
    private HttpServer listen(Router router, String host, int port) {
        try {
            return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)).requestHandler(router)
                    .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on callbridge.admin.host:port " + host + ":" + port
                    + " for the management API: " + e.getMessage(), e);
        }
    }

    void stopped(@Observes ShutdownEvent event) {
        HttpServer server = managementServer;
        if (server != null) {
            server.close();
        }
    }

    private void onlyOnManagementPort(RoutingContext ctx) {
        if (ctx.request().localAddress().port() == managementServer.actualPort()) {
            ctx.next();
        } else {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/json")
                    .end(ThingCodec.toJson(Map.of("error", "not found")));
        }
    }

    void started(@Observes StartupEvent event) {
        if (token().isEmpty()) {
            LOG.warn("callbridge.admin.token is not set: the management API (/api/calls, /api/webhooks, /api/devices,"
                    + " /api/broker) answers 401");
        }
    }

    private Optional<byte[]> token() {
        return config.admin().token().filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8));
    }

    private void check(RoutingContext ctx) {
        Optional<byte[]> expected = token();
        if (expected.isEmpty()) {
            refuse(ctx, "the management API is closed: set callbridge.admin.token to open it");
            return;
        }
        String header = ctx.request().getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            refuse(ctx, "missing Authorization: Bearer <callbridge.admin.token>");
            return;
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(expected.get(), given)) {
            refuse(ctx, "wrong management token");
            return;
        }
        ctx.next();
    }

    private static void refuse(RoutingContext ctx, String reason) {
        ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                .putHeader("WWW-Authenticate", "Bearer realm=\"callbridge\"")
                .end(ThingCodec.toJson(Map.of("error", reason)));
    }
}
