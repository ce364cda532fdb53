package io.callbridge.camel;

import io.callbridge.api.ConfiguredTokens;
import io.callbridge.api.TokenVerifier;
import io.callbridge.camel.mqtt.DurableMqttComponent;
import io.callbridge.p2p.P2pComponent;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.p2p.P2pConfiguration;
import io.callbridge.call.CallEngine;
import io.callbridge.call.CallService;
import io.callbridge.call.CallStore;
import io.callbridge.store.JdbcCallStore;
import io.callbridge.webhook.Outbox;
import io.callbridge.webhook.WebhookSigner;
import org.jboss.logging.Logger;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Persistence;

import java.net.URI;
import java.time.Clock;
import java.util.Optional;
import java.util.List;
import java.util.UUID;

/** Wires the pure parts (engine, store, tokens) and the MQTT component from configuration. */
@ApplicationScoped
public class Producers {

    private static final Logger LOG = Logger.getLogger(Producers.class);

    @Produces
    @Singleton
    CallEngine engine(CallBridgeConfig config) {
        return new CallEngine(new CallEngine.Settings(config.call().ringTimeout(), config.call().connectTimeout(),
                config.call().mediaGrace()), Clock.systemUTC(), () -> UUID.randomUUID().toString());
    }

    @Produces
    @Singleton
    @DefaultBean
    CallStore store(Database database, Outbox outbox) {
        return new JdbcCallStore(database.dataSource(), outbox::write);
    }

    /** Receivers and retry policies are checked at start-up: a bad URL or a missing secret fails it. */
    @Produces
    @Singleton
    Outbox outbox(CallBridgeConfig config, Database database) {
        List<String> urls = config.webhooks().url().orElse(List.of()).stream().map(String::trim)
                .filter(u -> !u.isEmpty()).toList();
        for (String url : urls) {
            URI uri = URI.create(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("callbridge.webhooks.url: not an http(s) URL: " + url);
            }
        }
        if (!urls.isEmpty() && config.webhooks().secret().isEmpty()) {
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
        return new Outbox(database.dataSource(), urls, policy(w.urgent()), policy(w.record()),
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
        return new ConfiguredTokens(config.auth().tokens());
    }

    /** Webhook receivers get short timeouts: a slow one must not hold events for long. */
    @Produces
    @Singleton
    @Named("http")
    HttpComponent http(CallBridgeConfig config) {
        HttpComponent http = new HttpComponent();
        http.setConnectTimeout(config.webhooks().connectTimeout().toMillis());
        http.setConnectionRequestTimeout(config.webhooks().connectTimeout().toMillis());
        http.setResponseTimeout(config.webhooks().timeout().toMillis());
        http.setSoTimeout(config.webhooks().timeout().toMillis());
        return http;
    }

    /**
     * The P2P relay: apps authenticate with their tokenapi access token and may reach a device they are bound to
     * or were called by; devices sign in with the platform's credentials, made from their registered secret.
     */
    @Produces
    @Singleton
    @Named("p2p")
    P2pComponent p2p(CallBridgeConfig config, TokenVerifier tokens, CallStore store) {
        P2pComponent component = new P2pComponent();
        P2pConfiguration c = component.getConfiguration();
        CallBridgeConfig.P2p p = config.p2p();
        c.setHost(p.host());
        c.setPort(p.port());
        c.setCommandTimeout(p.commandTimeout().toMillis());
        c.setMaxAppsPerDevice(p.maxAppsPerDevice());
        c.setIdleTimeout(p.idleTimeout().toMillis());
        c.setPingInterval(p.pingInterval().toMillis());
        component.setAuthenticator((token, device) -> tokens.userOf(token).filter(user -> store.wasCallee(device, user)));
        // A device signs in as on the platform's MQTT broker, with the secret registered for it.
        component.setDeviceAuthenticator((device, username, password) -> store.deviceSecret(device)
                .map(secret -> DeviceCredentials.refusal(device, secret, username, password,
                        System.currentTimeMillis() / 1000))
                .orElseGet(() -> Optional.of("no secret is registered for " + device
                        + " (PUT /api/devices/" + device + "/secret)")));
        return component;
    }

    /** Every paho-mqtt5 endpoint in the routes shares this broker and reconnect policy. */
    @Produces
    @Singleton
    @Named("paho-mqtt5")
    PahoMqtt5Component mqtt(CallBridgeConfig config, MqttBroker broker) {
        PahoMqtt5Component component = new DurableMqttComponent();
        PahoMqtt5Configuration c = new PahoMqtt5Configuration();
        c.setBrokerUrl(broker.url());
        c.setPersistence(PahoMqtt5Persistence.MEMORY);
        c.setAutomaticReconnect(true);
        c.setMaxReconnectDelay((int) config.mqtt().maxReconnectDelay().toMillis());
        c.setQos(1);
        config.mqtt().username().ifPresent(c::setUserName);
        config.mqtt().password().ifPresent(c::setPassword);
        component.setConfiguration(c);
        return component;
    }
}
