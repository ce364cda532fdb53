package io.callbridge.camel;

import io.callbridge.thing.ThingCodec;
import io.quarkus.runtime.StartupEvent;
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

/**
 * The operator's endpoints ({@code /api/calls}, {@code /api/webhooks}, {@code /api/devices}) show who called whom
 * and decide who may join a device's media, so they take {@code Authorization: Bearer <callbridge.admin.token>}.
 * Without a configured token they are closed, not open. The app API has its own tokens and is not touched here.
 */
@ApplicationScoped
public class ManagementAuth {

    private static final Logger LOG = Logger.getLogger(ManagementAuth.class);
    static final String PATHS = "/api/(calls|webhooks|devices)(/.*)?";
    private static final String BEARER = "Bearer ";

    @Inject
    CallBridgeConfig config;

    void install(@Observes @Priority(10) Router router) {
        // Before Camel's platform-http routes, which Quarkus adds to the same router.
        router.routeWithRegex(PATHS).order(-100).handler(this::check);
    }

    void started(@Observes StartupEvent event) {
        if (token().isEmpty()) {
            LOG.warn("callbridge.admin.token is not set: /api/calls, /api/webhooks and /api/devices answer 401");
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
