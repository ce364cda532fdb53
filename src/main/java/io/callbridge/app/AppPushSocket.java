package io.callbridge.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.api.ApiException;
import io.callbridge.api.TokenVerifier;
import io.callbridge.call.CallService;
import io.callbridge.push.AppPushHub;
import io.callbridge.push.PushMessages;
import io.callbridge.runtime.CallBridgeConfig;
import io.callbridge.thing.DeviceId;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code /ws/explorer} on the HTTP port: the platform's app push, so that an unmodified app hears its doorbell ring.
 * Requests are answered off the event loop (a token check or a binding lookup may block); pushes go out through
 * {@link AppPushes}. Plain Vert.x rather than a Camel WebSocket endpoint: each connection's own send queue must be
 * seen to close a slow app instead of buffering for it, and requests must be answered on their own connection.
 */
@ApplicationScoped
public class AppPushSocket {

    public static final String PATH = "/ws/explorer";
    private static final Logger LOG = Logger.getLogger(AppPushSocket.class);

    @Inject
    Vertx vertx;

    @Inject
    CallBridgeConfig config;

    @Inject
    TokenVerifier tokens;

    @Inject
    CallService calls;

    @Inject
    AppPushes pushes;

    private final AtomicInteger connections = new AtomicInteger();

    void install(@Observes @Priority(20) Router router) {
        router.route(PATH).order(-90).handler(this::upgrade);
    }

    private void upgrade(RoutingContext rc) {
        if (connections.incrementAndGet() > config.push().maxConnections()) {
            connections.decrementAndGet();
            rc.response().setStatusCode(503).end("too many app push connections; try again later");
            return;
        }
        // For the operator's log: the app's user as its URL says (not checked yet), and its address.
        String uin = java.util.Objects.requireNonNullElse(rc.queryParams().get("uin"), "?");
        String who = "uin " + (uin.length() > 40 ? uin.substring(0, 40) : uin) + " from "
                + rc.request().remoteAddress();
        rc.request().toWebSocket().onSuccess(ws -> opened(ws, who)).onFailure(e -> {
            connections.decrementAndGet();
            LOG.debugf("App push upgrade failed: %s", e.getMessage());
        });
    }

    private void opened(ServerWebSocket ws, String who) {
        // Vert.x's default (64 KB) is less than two of the largest pushes: an app keeping up would be closed.
        ws.setWriteQueueMaxSize(config.push().sendQueueBytes());
        Connection c = new Connection(ws, who);
        ws.textMessageHandler(c::received);
        ws.closeHandler(v -> c.closed());
        ws.exceptionHandler(e -> LOG.debugf("App push connection: %s", e.getMessage()));
        long idle = config.push().idleTimeout().toMillis();
        c.timer = vertx.setPeriodic(Math.max(1000, idle / 4), t -> {
            if (System.currentTimeMillis() - c.lastSeen > idle) {
                c.close("idle for " + config.push().idleTimeout().toSeconds() + " s");
            }
        });
    }

    public int connections() {
        return connections.get();
    }

    /** One app's connection: its requests, in order, and the devices it watches. */
    private final class Connection implements AppPushHub.Session {
        private final ServerWebSocket ws;
        private final String who;
        private volatile long lastSeen = System.currentTimeMillis();
        private volatile long timer = -1;
        private volatile boolean closed;
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

        Connection(ServerWebSocket ws, String who) {
            this.ws = ws;
            this.who = who;
        }

        void received(String text) {
            lastSeen = System.currentTimeMillis();
            PushMessages.Request r;
            try {
                r = PushMessages.parse(text);
            } catch (PushMessages.Refused e) {
                offer(PushMessages.refused(e));
                return;
            }
            if (PushMessages.HELLO.equals(r.action())) {
                // The keep-alive, every 10 s from every app: answered here, without a worker.
                offer(PushMessages.hello(r.reqId()));
                return;
            }
            vertx.<String>executeBlocking(() -> answer(r), true).onSuccess(answer -> {
                if (answer != null && !closed) {
                    offer(answer);
                }
            }).onFailure(e -> LOG.warnf(e, "App push request failed"));
        }

        /** A token check and a binding lookup per device: off the event loop. */
        private String answer(PushMessages.Request r) {
            try {
                Optional<String> user = tokens.userOf(r.accessToken());
                if (user.isEmpty()) {
                    pushes.hub().leave(this);
                    throw PushMessages.refusal(r.reqId(), ApiException.INVALID_ACCESS_TOKEN,
                            "the access token is not valid");
                }
                if (PushMessages.HEARTBEAT.equals(r.action()) && r.deviceIds().isEmpty()) {
                    // A heartbeat that names no device keeps what the connection watches, held to the user now.
                    return watch(r, user.get(), List.copyOf(pushes.hub().watching(this)));
                }
                return watch(r, user.get(), r.deviceIds());
            } catch (PushMessages.Refused e) {
                return PushMessages.refused(e);
            }
        }

        /** Only the devices the user may use are watched; the others are named in the answer. */
        private String watch(PushMessages.Request r, String user, List<DeviceId> asked) {
            List<DeviceId> taken = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (DeviceId d : asked) {
                if (calls.mayUseDevice(d, user)) {
                    taken.add(d);
                } else {
                    refused.add(d.toString());
                }
            }
            if (!closed) {
                pushes.hub().watch(this, taken);
            }
            ObjectNode fields = PushMessages.fields();
            taken.forEach(d -> fields.withArray("DeviceIds").add(d.toString()));
            fields.withArray("DeviceIds");
            refused.forEach(fields.withArray("RefusedDeviceIds")::add);
            fields.withArray("RefusedDeviceIds");
            return PushMessages.answer(r.reqId(), r.requestId(), fields);
        }

        @Override
        public boolean offer(String text) {
            if (closed) {
                return true;
            }
            if (ws.writeQueueFull()) {
                return false;
            }
            ws.writeTextMessage(text);
            return true;
        }

        @Override
        public void close(String reason) {
            if (!closed) {
                LOG.infof("Closing the app push connection of %s: %s", who, reason);
                ws.close((short) 1008, reason.length() > 120 ? reason.substring(0, 120) : reason);
            }
            closed();
        }

        void closed() {
            closed = true;
            if (!released.compareAndSet(false, true)) {
                return;
            }
            connections.decrementAndGet();
            vertx.cancelTimer(timer);
            pushes.hub().leave(this);
        }
    }
}
