package io.callbridge.p2p;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.callbridge.thing.DeviceId;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import org.jboss.logging.Logger;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An open relay for the P2P signaling of a call (protocol steps 5, 7 and 8): devices and apps connect over
 * WebSocket, text frames carry signaling as JSON, binary frames carry FLV media. The framing is in
 * {@code docs/p2p.md}. Commands from an app go to its device and the answer comes back to that app; a command
 * the device does not answer in time gets the "no answer" event (1007).
 */
public final class P2pRelay implements AutoCloseable {

    /** Who an app is, from its access token, if it may talk to that device. */
    @FunctionalInterface
    public interface AppAuthenticator {
        Optional<String> user(String accessToken, DeviceId device);
    }

    /**
     * Whether a connection may speak as the device, from the HTTP Basic credentials of its upgrade request
     * (null when absent): empty to admit it, or the reason it is refused.
     */
    @FunctionalInterface
    public interface DeviceAuthenticator {
        Optional<String> refusal(DeviceId device, String username, String password);
    }

    /**
     * {@code accessCheckInterval}: how often every app's right to its device is asked again (it ends with the call);
     * {@code handshakeTimeout}: a connection not upgraded to a WebSocket by then is closed; {@code maxConnections}:
     * open connections at most, past which new ones are closed at once.
     */
    public record Settings(String host, int port, Duration commandTimeout, int maxAppsPerDevice,
            Duration idleTimeout, Duration pingInterval, Duration accessCheckInterval, Duration handshakeTimeout,
            int maxConnections, KeyStore tls) {
    }

    /** The key store (PKCS12 or JKS, by its file name) that wss:// serves; null for ws://. */
    public record KeyStore(String path, String password, String keyPassword) {

        String type() {
            String p = path.toLowerCase(java.util.Locale.ROOT);
            return p.endsWith(".jks") ? "JKS" : "PKCS12";
        }

        @Override
        public String toString() {
            return "KeyStore[" + path + "]";
        }
    }

    private static final Logger LOG = Logger.getLogger(P2pRelay.class);
    private static final ObjectMapper JSON = io.callbridge.thing.Json.MAPPER;

    private final Settings settings;
    private final AppAuthenticator authenticator;
    private final DeviceAuthenticator deviceAuthenticator;
    private final Vertx vertx;
    private final boolean ownVertx;
    private final List<java.util.function.Consumer<P2pEvent>> listeners = new CopyOnWriteArrayList<>();
    private final Map<DeviceId, DeviceSession> devices = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private HttpServer server;
    private long pinger = -1;
    private long accessChecker = -1;
    /** Connections not upgraded yet, with the timer that closes them. */
    private final Map<HttpConnection, Long> handshaking = new ConcurrentHashMap<>();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong refusedConnections = new AtomicLong();

    public P2pRelay(Settings settings, AppAuthenticator authenticator, DeviceAuthenticator deviceAuthenticator,
            Vertx vertx) {
        this.settings = settings;
        this.authenticator = authenticator;
        this.deviceAuthenticator = deviceAuthenticator;
        this.ownVertx = vertx == null;
        this.vertx = vertx == null ? Vertx.vertx() : vertx;
    }

    public synchronized P2pRelay start() {
        if (server != null) {
            return this;
        }
        // WebSocket is HTTP/1.1 only. With h2c detection on, Vert.x sees a connection only once its first request is
        // whole, so a half-open upgrade could be neither counted nor timed out.
        HttpServerOptions options = new HttpServerOptions().setHost(settings.host()).setPort(settings.port())
                .setMaxWebSocketMessageSize(1024 * 1024).setHttp2ClearTextEnabled(false);
        if (settings.tls() != null) {
            options.setSsl(true).setKeyCertOptions(new io.vertx.core.net.KeyStoreOptions().setType(settings.tls().type())
                    .setPath(settings.tls().path()).setPassword(settings.tls().password())
                    .setAliasPassword(settings.tls().keyPassword()));
        }
        HttpServer s = vertx.createHttpServer(options);
        // Upgraded by hand: the path and the app's token are checked before the upgrade (a refusal is a plain HTTP
        // status), and it works even where Quarkus has switched Vert.x's automatic WebSocket handling off.
        s.connectionHandler(this::connected);
        s.requestHandler(this::request);
        try {
            server = s.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("P2P relay cannot listen on " + settings.host() + ":" + settings.port()
                    + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        pinger = vertx.setPeriodic(settings.pingInterval().toMillis(), t -> keepAlive());
        accessChecker = vertx.setPeriodic(settings.accessCheckInterval().toMillis(), t -> checkAccess());
        LOG.infof("P2P relay: devices connect to %s://%s:%d/p2p/device/{ProductId}/{DeviceName}, apps to"
                + " /p2p/app/{ProductId}/{DeviceName}", settings.tls() != null ? "wss" : "ws", settings.host(), port());
        return this;
    }

    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    public void addListener(java.util.function.Consumer<P2pEvent> listener) {
        listeners.add(listener);
    }

    public void removeListener(java.util.function.Consumer<P2pEvent> listener) {
        listeners.remove(listener);
    }

    public boolean deviceConnected(DeviceId device) {
        return devices.containsKey(device);
    }

    /** Closes the device's link: what signed it in (its secret) was rotated or revoked. */
    public void signOut(DeviceId device) {
        DeviceSession d = devices.get(device);
        if (d != null) {
            LOG.infof("Device %s signed out of the relay: its secret changed", device);
            d.ws.close((short) P2pEvent.REFUSED, "the device's credentials were revoked");
        }
    }

    /** Asks a connected device; completes with its answer, or fails with a {@link P2pException} (no device, 1007). */
    public CompletableFuture<String> command(DeviceId device, String command) {
        CompletableFuture<String> answer = new CompletableFuture<>();
        DeviceSession d = devices.get(device);
        if (d == null) {
            answer.completeExceptionally(new P2pException(P2pEvent.LINK_BROKEN, "device " + device + " is not connected"));
            return answer;
        }
        d.send(null, null, command, answer);
        return answer;
    }

    @Override
    public synchronized void close() {
        if (pinger >= 0) {
            vertx.cancelTimer(pinger);
        }
        if (accessChecker >= 0) {
            vertx.cancelTimer(accessChecker);
        }
        for (DeviceSession d : devices.values()) {
            d.apps.values().forEach(a -> a.ws.close((short) 1001, "relay shutting down"));
            d.ws.close((short) 1001, "relay shutting down");
        }
        if (server != null) {
            try {
                server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debugf("Closing the P2P relay: %s", e.getMessage());
            }
            server = null;
        }
        if (ownVertx) {
            vertx.close();
        }
    }

    // ---- connections ----

    /** Open connections, upgraded or not. */
    public long connections() {
        return connections.get();
    }

    /** Connections closed at once because the relay held its maximum, or closed for not upgrading in time. */
    public long refusedConnections() {
        return refusedConnections.get();
    }

    private void connected(HttpConnection conn) {
        if (connections.incrementAndGet() > settings.maxConnections()) {
            connections.decrementAndGet();
            refusedConnections.incrementAndGet();
            conn.close();
            return;
        }
        long timer = vertx.setTimer(settings.handshakeTimeout().toMillis(), t -> {
            if (handshaking.remove(conn) != null) {
                refusedConnections.incrementAndGet();
                conn.close();
            }
        });
        handshaking.put(conn, timer);
        conn.closeHandler(v -> {
            connections.decrementAndGet();
            Long pending = handshaking.remove(conn);
            if (pending != null) {
                vertx.cancelTimer(pending);
            }
        });
    }

    /** The connection became a WebSocket: the handshake timeout no longer applies. */
    private void upgraded(HttpServerRequest req) {
        Long pending = handshaking.remove(req.connection());
        if (pending != null) {
            vertx.cancelTimer(pending);
        }
    }

    private void request(HttpServerRequest req) {
        if (!"websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
            req.response().setStatusCode(426)
                    .end("WebSocket only: /p2p/device/{ProductId}/{DeviceName} or /p2p/app/{ProductId}/{DeviceName}");
            return;
        }
        String[] path = req.path().split("/", -1);
        // "", "p2p", "device"|"app", ProductId, DeviceName
        DeviceId device;
        try {
            if (path.length != 5 || !path[1].equals("p2p") || !(path[2].equals("device") || path[2].equals("app"))) {
                throw new IllegalArgumentException("path must be /p2p/device|app/{ProductId}/{DeviceName}");
            }
            device = new DeviceId(decode(path[3]), decode(path[4]));
        } catch (IllegalArgumentException e) {
            req.response().setStatusCode(400).end(e.getMessage());
            return;
        }
        // The checks read the database: they run on a worker while the request waits, paused, so a slow lookup
        // holds up this connection alone, never the event loop every other connection is served on.
        req.pause();
        if (path[2].equals("device")) {
            // Checked before the upgrade: a stranger must not take over the link of a device apps talk to.
            String[] basic = basic(req);
            vertx.executeBlocking(() -> deviceAuthenticator.refusal(device, basic[0], basic[1]), false)
                    .onComplete(checked -> {
                        Optional<String> refused = checked.succeeded() ? checked.result()
                                : Optional.of("the device's credentials could not be checked");
                        if (checked.failed()) {
                            LOG.warnf("Checking the device connection for %s failed: %s", device,
                                    checked.cause().getMessage());
                        }
                        if (refused.isPresent()) {
                            LOG.infof("Device connection for %s refused: %s", device, refused.get());
                            req.resume();
                            req.response().setStatusCode(checked.succeeded() ? 401 : 503)
                                    .putHeader("WWW-Authenticate", "Basic realm=\"callbridge-p2p\"").end(refused.get());
                            return;
                        }
                        req.toWebSocket().onSuccess(ws -> {
                                    upgraded(req);
                                    deviceConnected(ws, device);
                                })
                                .onFailure(e -> LOG.debugf("Device %s upgrade failed: %s", device, e.getMessage()));
                    });
            return;
        }
        String token = bearer(req);
        vertx.executeBlocking(() -> token == null ? Optional.<String>empty() : authenticator.user(token, device), false)
                .onComplete(checked -> {
                    if (checked.failed() || checked.result().isEmpty()) {
                        if (checked.failed()) {
                            LOG.warnf("Checking the app connection for %s failed: %s", device,
                                    checked.cause().getMessage());
                        }
                        req.resume();
                        req.response().setStatusCode(checked.failed() ? 503 : 401).end(checked.failed()
                                ? "the access token could not be checked; try again"
                                : "an access token of a user bound to " + device + ", or rung by it now");
                        return;
                    }
                    String user = checked.result().get();
                    req.toWebSocket().onSuccess(ws -> {
                                upgraded(req);
                                appConnected(ws, device, user, token);
                            })
                            .onFailure(e -> LOG.debugf("App upgrade for %s failed: %s", device, e.getMessage()));
                });
    }

    private void deviceConnected(ServerWebSocket ws, DeviceId device) {
        DeviceSession session = new DeviceSession(device, ws);
        DeviceSession previous = devices.put(device, session);
        if (previous != null) {
            // The device reconnected: its old link is dead; apps stay and now talk to the new one.
            session.apps.putAll(previous.apps);
            previous.replaced = true;
            previous.ws.close((short) 1000, "replaced by a new connection");
        }
        ws.textMessageHandler(text -> session.fromDevice(text));
        ws.binaryMessageHandler(data -> session.streamFromDevice(data));
        ws.pongHandler(p -> session.touch());
        ws.closeHandler(v -> session.lost());
        emit(P2pEvent.of(P2pEvent.Type.DEVICE_CONNECTED, device, null, null));
    }

    private void appConnected(ServerWebSocket ws, DeviceId device, String user, String token) {
        DeviceSession d = devices.get(device);
        if (d == null) {
            refuse(ws, 404, "device " + device + " is not connected");
            return;
        }
        if (d.apps.size() >= settings.maxAppsPerDevice()) {
            refuse(ws, 405, "too many apps connected to " + device);
            return;
        }
        AppSession app = new AppSession("app-" + ids.incrementAndGet(), user, token, device, ws);
        d.apps.put(app.id, app);
        ws.textMessageHandler(app::fromApp);
        ws.binaryMessageHandler(app::voiceFromApp);
        ws.pongHandler(p -> app.touch());
        ws.closeHandler(v -> app.gone());
        emit(P2pEvent.of(P2pEvent.Type.APP_CONNECTED, device, app.user, app.id));
    }

    private void refuse(ServerWebSocket ws, int status, String reason) {
        ObjectNode frame = JSON.createObjectNode().put("type", "refused").put("status", status).put("reason", reason);
        ws.writeTextMessage(frame.toString());
        ws.close((short) P2pEvent.REFUSED, reason);
    }

    /**
     * Asks again, off the event loop, whether each app may still reach its device: a callee's right ends with its
     * call, a binding can be removed, a token revoked. An app that may not is closed (1008).
     */
    private void checkAccess() {
        List<AppSession> apps = devices.values().stream().flatMap(d -> d.apps.values().stream()).toList();
        if (apps.isEmpty()) {
            return;
        }
        vertx.<List<AppSession>>executeBlocking(() -> apps.stream()
                        .filter(a -> !a.user.equals(authenticator.user(a.token, a.device).orElse(null))).toList(), false)
                .onSuccess(revoked -> revoked.forEach(a -> {
                    LOG.infof("App %s of user %s on %s closed: it may no longer reach the device", a.id, a.user, a.device);
                    refuse(a.ws, 403, "user " + a.user + " may no longer reach " + a.device);
                }))
                .onFailure(e -> LOG.warnf("Checking the relay's apps failed: %s", e.getMessage()));
    }

    private void keepAlive() {
        long now = System.currentTimeMillis();
        for (DeviceSession d : devices.values()) {
            ping(d.ws, d.lastSeen, now);
            d.apps.values().forEach(a -> ping(a.ws, a.lastSeen, now));
        }
    }

    private void ping(ServerWebSocket ws, long lastSeen, long now) {
        if (now - lastSeen > settings.idleTimeout().toMillis()) {
            ws.close((short) 1001, "idle for " + settings.idleTimeout().toSeconds() + " s");
        } else if (!ws.isClosed()) {
            ws.writePing(Buffer.buffer("p"));
        }
    }

    private void emit(P2pEvent event) {
        for (var l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                LOG.warnf(e, "A P2P event listener failed on %s", event.type());
            }
        }
    }

    private static String bearer(HttpServerRequest req) {
        String header = req.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        return req.getParam("token");
    }

    /** Username and password of an HTTP Basic Authorization header, or two nulls. */
    private static String[] basic(HttpServerRequest req) {
        String header = req.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return new String[2];
        }
        String decoded;
        try {
            decoded = new String(java.util.Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new String[2];
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? new String[2] : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node != null && node.isObject() ? node : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static void error(ServerWebSocket ws, String id, String reason) {
        ObjectNode frame = JSON.createObjectNode().put("type", "error").put("reason", reason);
        if (id != null) {
            frame.put("id", id);
        }
        ws.writeTextMessage(frame.toString());
    }

    // ---- sessions ----

    /** A command in flight: from an app ({@code app}, {@code appId}) or from a route ({@code answer}). */
    private record Pending(AppSession app, String appId, String command, CompletableFuture<String> answer, long timer) {
    }

    private final class DeviceSession {
        final DeviceId device;
        final ServerWebSocket ws;
        final Map<String, AppSession> apps = new ConcurrentHashMap<>();
        final Map<String, Pending> pending = new ConcurrentHashMap<>();
        final Set<String> streaming = ConcurrentHashMap.newKeySet();
        volatile String voiceOwner;
        volatile FlvChecker voiceFlv;
        volatile FlvChecker streamFlv;
        volatile long lastSeen = System.currentTimeMillis();
        volatile boolean replaced;

        DeviceSession(DeviceId device, ServerWebSocket ws) {
            this.device = device;
            this.ws = ws;
        }

        void touch() {
            lastSeen = System.currentTimeMillis();
        }

        void send(AppSession app, String appId, String command, CompletableFuture<String> answer) {
            String rid = "r" + ids.incrementAndGet();
            long timer = vertx.setTimer(settings.commandTimeout().toMillis(), t -> noAnswer(rid));
            pending.put(rid, new Pending(app, appId, command, answer, timer));
            ws.writeTextMessage(JSON.createObjectNode().put("type", "command").put("id", rid)
                    .put("command", command).toString());
            emit(P2pEvent.of(P2pEvent.Type.COMMAND, device, app == null ? null : app.user, app == null ? null : app.id)
                    .withCommand(command, null));
        }

        void noAnswer(String rid) {
            Pending p = pending.remove(rid);
            if (p == null) {
                return;
            }
            if (p.app() != null) {
                p.app().ws.writeTextMessage(JSON.createObjectNode().put("type", "no-answer").put("id", p.appId())
                        .put("code", P2pEvent.NO_ANSWER_CODE).toString());
            }
            if (p.answer() != null) {
                p.answer().completeExceptionally(new P2pException(P2pEvent.NO_ANSWER_CODE, "device " + device
                        + " gave no answer to " + p.command() + " within " + settings.commandTimeout().toMillis() + " ms"));
            }
            emit(P2pEvent.of(P2pEvent.Type.NO_ANSWER, device, p.app() == null ? null : p.app().user,
                    p.app() == null ? null : p.app().id).withCommand(p.command(), null)
                    .withCode(P2pEvent.NO_ANSWER_CODE, null));
        }

        void fromDevice(String text) {
            touch();
            JsonNode frame = parse(text);
            if (frame == null) {
                error(ws, null, "frames are JSON objects");
                return;
            }
            switch (frame.path("type").asText()) {
                case "answer" -> answer(frame.path("id").asText(), frame.path("answer").asText(null));
                case "voice-close" -> closeVoice(true);
                case "stream-close" -> closeStreams(P2pEvent.CLOSED, null);
                default -> error(ws, frame.path("id").asText(null), "unknown frame type " + frame.path("type"));
            }
        }

        void answer(String rid, String answer) {
            Pending p = pending.remove(rid);
            if (p == null) {
                error(ws, rid, "no command " + rid + " is waiting (late or unknown)");
                return;
            }
            vertx.cancelTimer(p.timer());
            if (p.app() != null) {
                p.app().ws.writeTextMessage(JSON.createObjectNode().put("type", "answer").put("id", p.appId())
                        .put("answer", answer).toString());
            }
            if (p.answer() != null) {
                p.answer().complete(answer);
            }
            emit(P2pEvent.of(P2pEvent.Type.ANSWER, device, p.app() == null ? null : p.app().user,
                    p.app() == null ? null : p.app().id).withCommand(p.command(), answer));
        }

        void streamFromDevice(Buffer data) {
            touch();
            FlvChecker flv = streamFlv;
            if (flv == null) {
                flv = streamFlv = new FlvChecker();
            }
            FlvChecker.Result checked = flv.feed(data.getByteBuf().nioBuffer());
            if (!checked.ok()) {
                LOG.infof("Stream of %s is not FLV: %s", device, checked.reason());
                closeStreams(P2pEvent.REFUSED, "the stream is not FLV: " + checked.reason());
                return;
            }
            for (String id : streaming) {
                AppSession app = apps.get(id);
                if (app != null) {
                    app.ws.writeBinaryMessage(data);
                }
            }
        }

        /** The voice send ends: from the device (8.1) or the app (8.2); the other side gets 1000/2000. */
        void closeVoice(boolean byDevice) {
            closeVoice(byDevice, P2pEvent.CLOSED, null);
        }

        /** With {@code reason} (media that is not FLV), both sides are told, with code 1008. */
        void closeVoice(boolean byDevice, int code, String reason) {
            String owner = voiceOwner;
            voiceOwner = null;
            voiceFlv = null;
            if (owner == null) {
                return;
            }
            AppSession app = apps.get(owner);
            ObjectNode close = JSON.createObjectNode().put("type", "voice-close").put("code", code)
                    .put("sub", P2pEvent.VOICE_SERVICE_CLOSED);
            if (reason != null) {
                close.put("reason", reason);
            }
            if ((byDevice || reason != null) && app != null) {
                app.ws.writeTextMessage(close.toString());
            }
            if ((!byDevice || reason != null) && !ws.isClosed()) {
                ws.writeTextMessage(close.toString());
            }
            emit(P2pEvent.of(P2pEvent.Type.VOICE_CLOSED, device, app == null ? null : app.user, owner)
                    .withCode(code, P2pEvent.VOICE_SERVICE_CLOSED)
                    .withCommand(byDevice ? "device" : "app", reason));
        }

        /** The device's stream ends for every app watching it: 1000/2001, or 1008 with a reason when refused. */
        void closeStreams(int code, String reason) {
            streamFlv = null;
            for (String id : new ArrayList<>(streaming)) {
                AppSession app = apps.get(id);
                streaming.remove(id);
                if (app != null) {
                    ObjectNode close = JSON.createObjectNode().put("type", "stream-close").put("code", code)
                            .put("sub", P2pEvent.STREAM_RECEIVE_CLOSED);
                    if (reason != null) {
                        close.put("reason", reason);
                    }
                    app.ws.writeTextMessage(close.toString());
                    emit(P2pEvent.of(P2pEvent.Type.STREAM_CLOSED, device, app.user, app.id)
                            .withCode(code, P2pEvent.STREAM_RECEIVE_CLOSED).withCommand(null, reason));
                }
            }
            if (code != P2pEvent.CLOSED && !ws.isClosed()) {
                ws.writeTextMessage(JSON.createObjectNode().put("type", "stream-close").put("code", code)
                        .put("reason", reason).toString());
            }
        }

        /** The device's link is gone: apps get 1003, commands in flight fail. */
        void lost() {
            if (replaced) {
                return;
            }
            devices.remove(device, this);
            for (String rid : new ArrayList<>(pending.keySet())) {
                noAnswer(rid);
            }
            String owner = voiceOwner;
            voiceOwner = null;
            for (AppSession app : apps.values()) {
                app.ws.writeTextMessage(JSON.createObjectNode().put("type", "close").put("code", P2pEvent.LINK_BROKEN)
                        .put("reason", "device link lost").toString());
                app.ws.close((short) 1001, "device link lost");
            }
            emit(P2pEvent.of(P2pEvent.Type.DEVICE_DISCONNECTED, device, null, owner)
                    .withCode(P2pEvent.LINK_BROKEN, null)
                    .withCommand(owner != null ? "voice" : null, null));
        }
    }

    private final class AppSession {
        final String id;
        final String user;
        final String token;
        final DeviceId device;
        final ServerWebSocket ws;
        volatile long lastSeen = System.currentTimeMillis();

        AppSession(String id, String user, String token, DeviceId device, ServerWebSocket ws) {
            this.id = id;
            this.user = user;
            this.token = token;
            this.device = device;
            this.ws = ws;
        }

        void touch() {
            lastSeen = System.currentTimeMillis();
        }

        DeviceSession deviceSession() {
            return devices.get(device);
        }

        void fromApp(String text) {
            touch();
            JsonNode frame = parse(text);
            String fid = frame == null ? null : frame.path("id").asText(null);
            DeviceSession d = deviceSession();
            if (frame == null) {
                error(ws, null, "frames are JSON objects");
                return;
            }
            if (d == null) {
                ws.writeTextMessage(JSON.createObjectNode().put("type", "close").put("code", P2pEvent.LINK_BROKEN)
                        .put("reason", "device not connected").toString());
                return;
            }
            switch (frame.path("type").asText()) {
                case "command" -> {
                    String command = frame.path("command").asText("");
                    try {
                        P2pCodec.parse(command);
                    } catch (IllegalArgumentException e) {
                        error(ws, fid, e.getMessage());
                        return;
                    }
                    d.send(this, fid, command, null);
                }
                case "voice-open" -> openVoice(d, frame);
                case "voice-close" -> {
                    if (id.equals(d.voiceOwner)) {
                        d.closeVoice(false);
                    }
                }
                case "stream-open" -> {
                    d.streaming.add(id);
                    d.ws.writeTextMessage(JSON.createObjectNode().put("type", "stream-open")
                            .put("channel", frame.path("channel").asInt(0))
                            .put("quality", frame.path("quality").asText("standard")).toString());
                    emit(P2pEvent.of(P2pEvent.Type.STREAM_OPENED, device, user, id));
                }
                case "stream-close" -> {
                    if (d.streaming.remove(id)) {
                        emit(P2pEvent.of(P2pEvent.Type.STREAM_CLOSED, device, user, id)
                                .withCode(P2pEvent.CLOSED, P2pEvent.STREAM_RECEIVE_CLOSED));
                    }
                }
                default -> error(ws, fid, "unknown frame type " + frame.path("type"));
            }
        }

        /** One voice send per device: a second app is refused with status 1 (already talking). */
        void openVoice(DeviceSession d, JsonNode frame) {
            String calltype = frame.path("calltype").asText("");
            if (!calltype.equals("video") && !calltype.equals("audio")) {
                error(ws, frame.path("id").asText(null), "calltype must be video or audio");
                return;
            }
            synchronized (d) {
                if (d.voiceOwner != null && !d.voiceOwner.equals(id)) {
                    ws.writeTextMessage(JSON.createObjectNode().put("type", "voice").put("status", 1)
                            .put("reason", "the device is already talking").toString());
                    return;
                }
                d.voiceOwner = id;
                d.voiceFlv = new FlvChecker();
            }
            d.ws.writeTextMessage(JSON.createObjectNode().put("type", "voice-open")
                    .put("channel", frame.path("channel").asInt(0)).put("calltype", calltype).toString());
            ws.writeTextMessage(JSON.createObjectNode().put("type", "voice").put("status", 0).toString());
            emit(P2pEvent.of(P2pEvent.Type.VOICE_OPENED, device, user, id).withCommand(calltype, null));
        }

        void voiceFromApp(Buffer data) {
            touch();
            DeviceSession d = deviceSession();
            if (d == null || !id.equals(d.voiceOwner)) {
                error(ws, null, "open a voice send before sending media");
                return;
            }
            FlvChecker flv = d.voiceFlv;
            FlvChecker.Result checked = flv == null ? null : flv.feed(data.getByteBuf().nioBuffer());
            if (checked != null && !checked.ok()) {
                LOG.infof("Voice of %s to %s is not FLV: %s", user, device, checked.reason());
                d.closeVoice(false, P2pEvent.REFUSED, "the voice stream is not FLV: " + checked.reason());
                return;
            }
            d.ws.writeBinaryMessage(data);
        }

        void gone() {
            DeviceSession d = deviceSession();
            if (d == null) {
                return;
            }
            d.apps.remove(id);
            if (id.equals(d.voiceOwner)) {
                d.closeVoice(false);
            }
            d.streaming.remove(id);
            d.pending.entrySet().removeIf(e -> {
                if (e.getValue().app() == this) {
                    vertx.cancelTimer(e.getValue().timer());
                    return true;
                }
                return false;
            });
            emit(P2pEvent.of(P2pEvent.Type.APP_DISCONNECTED, device, user, id));
        }
    }
}
