package io.callbridge.runtime;

import com.fasterxml.uuid.Generators;
import io.callbridge.api.ConfiguredTokens;
import io.callbridge.api.JwtTokens;
import io.callbridge.api.TokenVerifier;
import io.callbridge.call.CallEngine;
import io.callbridge.call.CallService;
import io.callbridge.call.CallStore;
import io.callbridge.device.DeviceSignIn;
import io.callbridge.device.mqtt.DurableMqttComponent;
import io.callbridge.limits.Limits;
import io.callbridge.limits.RateLimit;
import io.callbridge.mqtt.Canary;
import io.callbridge.mqtt.Downlink;
import io.callbridge.p2p.P2pComponent;
import io.callbridge.p2p.P2pConfiguration;
import io.callbridge.store.GroupCommit;
import io.callbridge.store.JdbcCallStore;
import io.callbridge.webhook.Outbox;
import io.callbridge.webhook.WebhookSender;
import io.callbridge.webhook.WebhookSigner;
import io.quarkus.arc.DefaultBean;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Persistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.jboss.logging.Logger;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Wires the pure parts (engine, store, tokens) and the MQTT component from configuration. */
@ApplicationScoped
public class Producers {

    private static final Logger LOG = Logger.getLogger(Producers.class);

    @Produces
    @Singleton
    CallEngine engine(CallBridgeConfig config) {
        // UUID v7: ids in creation order, so a new call (and its webhook ids) goes to the end of each index instead
        // of a random page: far fewer pages for the store to write per commit.
        var ids = Generators.timeBasedEpochGenerator();
        return new CallEngine(new CallEngine.Settings(config.call().ringTimeout(), config.call().connectTimeout(),
                config.call().mediaGrace(), config.call().maxClockSkew()), Clock.systemUTC(), () -> ids.generate().toString());
    }

    /** Every rate limit, from callbridge.limits.*. */
    @Produces
    @Singleton
    Limits limits(CallBridgeConfig config) {
        CallBridgeConfig.Limits l = config.limits();
        return new Limits(
                new RateLimit("device-reports", new RateLimit.Rate(l.deviceReportsPerSecond(), l.deviceReportsBurst()),
                        Limits.MAX_KEYS),
                new RateLimit("api-per-address", new RateLimit.Rate(l.apiPerAddressPerSecond(), l.apiPerAddressBurst()),
                        Limits.MAX_KEYS),
                new RateLimit("api-per-token", new RateLimit.Rate(l.apiPerTokenPerSecond(), l.apiPerTokenBurst()),
                        Limits.MAX_KEYS),
                new RateLimit("api-failures-per-address", new RateLimit.Rate(l.apiFailuresPerAddressPerSecond(),
                        l.apiFailuresPerAddressBurst()), Limits.MAX_KEYS),
                new RateLimit("mqtt-connects-per-address", new RateLimit.Rate(l.mqttConnectsPerAddressPerSecond(),
                        l.mqttConnectsPerAddressBurst()), Limits.MAX_KEYS));
    }

    /** The one writer of transitions and outbox bookkeeping: many reports share a commit. */
    @Produces
    @Singleton
    GroupCommit commits(Database database, CallBridgeConfig config) {
        return new GroupCommit(database.dataSource(), config.store().maxBatch(), Duration.ofMillis(10),
                config.store().batchWindow(), config.store().batchWindowFromRate());
    }

    void closeCommits(@Disposes GroupCommit commits) {
        commits.close();
    }

    @Produces
    @Singleton
    @DefaultBean
    CallStore store(Database database, GroupCommit commits, Outbox outbox) {
        return new JdbcCallStore(database.dataSource(), commits, outbox);
    }

    /** Receivers and retry policies are checked at start-up: a bad URL or a missing secret fails it. */
    @Produces
    @Singleton
    Outbox outbox(CallBridgeConfig config, Database database, GroupCommit commits) {
        List<String> urls = config.webhooks().url().orElse(List.of()).stream().map(String::trim)
                .filter(u -> !u.isEmpty()).toList();
        for (String url : urls) {
            if (url.startsWith(Outbox.ROUTE)) {
                if (!url.substring(Outbox.ROUTE.length()).matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
                    throw new IllegalArgumentException("callbridge.webhooks.url: a route receiver is direct:<name>,"
                            + " letters, digits, '.', '_' and '-': " + url);
                }
                continue;
            }
            URI uri = URI.create(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("callbridge.webhooks.url: not an http(s) URL nor direct:<route>: "
                        + url);
            }
        }
        // Only what leaves over HTTP is signed.
        if (urls.stream().anyMatch(u -> !u.startsWith(Outbox.ROUTE)) && config.webhooks().secret().isEmpty()) {
            throw new IllegalArgumentException(
                    "callbridge.webhooks.url is set but callbridge.webhooks.secret is not (a whsec_... value)");
        }
        config.webhooks().secret().ifPresent(WebhookSigner::new);
        if (urls.isEmpty()) {
            LOG.info("No webhook receivers configured (callbridge.webhooks.url): call events are only logged");
        } else {
            LOG.infof("Webhooks go to %s", urls);
        }
        CallBridgeConfig.Webhooks w = config.webhooks();
        // Controls: retried quickly; a device that has not heard within the window is told by the next one.
        Outbox.Policy controls = new Outbox.Policy(Duration.ofMillis(250), Duration.ofSeconds(2),
                config.mqtt().downlink().controlRetryFor());
        return new Outbox(database.dataSource(), commits, urls, policy(w.urgent()), policy(w.record()), controls,
                w.timeout().plus(w.connectTimeout()).multipliedBy(2), Clock.systemUTC());
    }

    private static Outbox.Policy policy(CallBridgeConfig.Retries r) {
        return new Outbox.Policy(r.retryDelay(), r.maxRetryDelay(), r.retryFor());
    }

    @Produces
    @Singleton
    CallService calls(CallEngine engine, CallStore store) {
        return new CallService(engine, store);
    }

    @Produces
    @Singleton
    @DefaultBean
    TokenVerifier tokens(CallBridgeConfig config) {
        TokenVerifier configured = new ConfiguredTokens(config.auth().tokens());
        CallBridgeConfig.Jwt jwt = config.auth().jwt();
        if (jwt.hmacSecret().isEmpty() && jwt.jwksUrl().isEmpty()) {
            return configured;
        }
        return JwtTokens.either(configured, new JwtTokens(new JwtTokens.Settings(jwt.hmacSecret().orElse(null),
                jwt.jwksUrl().orElse(null), jwt.issuer().orElse(null), jwt.audience().orElse(null), jwt.userClaim(),
                jwt.clockSkew())));
    }

    /** Webhook attempts: pooled keep-alive connections, non-blocking; null without receivers. */
    @Produces
    @Singleton
    WebhookSender webhookSender(CallBridgeConfig config, Outbox outbox, Vertx vertx) {
        CallBridgeConfig.Webhooks w = config.webhooks();
        return new WebhookSender(vertx, outbox, w.secret().map(WebhookSigner::new).orElse(null), w.connectTimeout(),
                w.timeout(), w.maxInFlight(), Clock.systemUTC());
    }

    void closeWebhookSender(@Disposes WebhookSender sender) {
        sender.close();
    }

    /** Everything CallBridge publishes: replies, controls and the canary, on a connection of its own. */
    @Produces
    @Singleton
    Downlink downlink(CallBridgeConfig config, MqttBroker broker) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        options.setMaxReconnectDelay((int) config.mqtt().maxReconnectDelay().toMillis());
        options.setKeepAliveInterval(30);
        broker.credentials().ifPresent(c -> {
            options.setUserName(c.username());
            options.setPassword(c.password().getBytes(StandardCharsets.UTF_8));
        });
        CallBridgeConfig.Downlink d = config.mqtt().downlink();
        return new Downlink(broker.url(), config.mqtt().clientId() + "-down", options,
                new Downlink.Settings(d.maxInFlight(), d.queueSize(), config.mqtt().maxReconnectDelay().toMillis()),
                Clock.systemUTC());
    }

    void closeDownlink(@Disposes Downlink downlink) {
        downlink.close();
    }

    /** The uplink's own canary, named after its client id: each instance hears its own. */
    @Produces
    @Singleton
    Canary canary(CallBridgeConfig config) {
        return new Canary(config.mqtt().clientId() + "-up", config.mqtt().stallTimeout().toMillis(), Clock.systemUTC());
    }

    /**
     * The P2P relay: apps authenticate with their tokenapi access token and may reach a device they are bound to,
     * or one that is ringing them, while that call lasts; devices sign in with the platform's credentials, made from their registered secret.
     */
    @Produces
    @Singleton
    @Named("p2p")
    P2pComponent p2p(CallBridgeConfig config, TokenVerifier tokens, CallService calls, DeviceSignIn signIn,
            io.vertx.core.Vertx vertx) {
        P2pComponent component = new P2pComponent();
        // Quarkus's Vert.x: one set of event loops and workers for the HTTP API, the push socket and the relay.
        component.setVertx(vertx);
        P2pConfiguration c = component.getConfiguration();
        CallBridgeConfig.P2p p = config.p2p();
        c.setHost(p.host());
        c.setPort(p.port());
        c.setCommandTimeout(p.commandTimeout().toMillis());
        c.setMaxAppsPerDevice(p.maxAppsPerDevice());
        c.setIdleTimeout(p.idleTimeout().toMillis());
        c.setPingInterval(p.pingInterval().toMillis());
        c.setAccessCheckInterval(p.accessCheckInterval().toMillis());
        c.setHandshakeTimeout(p.handshakeTimeout().toMillis());
        c.setMaxConnections(p.maxConnections());
        if (p.tls()) {
            CallBridgeConfig.Tls tls = config.tls();
            c.setKeyStore(tls.keyStore().orElseThrow(() -> new IllegalStateException(
                    "callbridge.p2p.tls needs callbridge.tls.key-store (a PKCS12 or JKS file)")));
            c.setKeyStorePassword(tls.keyStorePassword().orElse(""));
            tls.keyPassword().ifPresent(c::setKeyPassword);
        }
        component.setAuthenticator((token, device) -> tokens.userOf(token).filter(user -> calls.mayJoinMedia(device, user)));
        // A device signs in as on the platform's MQTT broker, with the secret registered for it.
        component.setDeviceAuthenticator(signIn::relay);
        return component;
    }

    /** Every paho-mqtt5 endpoint in the routes shares this broker and reconnect policy. */
    @Produces
    @Singleton
    @Named("paho-mqtt5")
    PahoMqtt5Component mqtt(CallBridgeConfig config, MqttBroker broker, Canary canary) {
        DurableMqttComponent component = new DurableMqttComponent();
        component.setWorkers(config.mqtt().uplinkWorkers());
        component.setCanary(canary);
        PahoMqtt5Configuration c = new PahoMqtt5Configuration();
        c.setBrokerUrl(broker.url());
        c.setPersistence(PahoMqtt5Persistence.MEMORY);
        c.setAutomaticReconnect(true);
        c.setMaxReconnectDelay((int) config.mqtt().maxReconnectDelay().toMillis());
        c.setQos(1);
        broker.credentials().ifPresent(credentials -> {
            c.setUserName(credentials.username());
            c.setPassword(credentials.password());
        });
        component.setConfiguration(c);
        return component;
    }
}
