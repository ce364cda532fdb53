package io.callbridge.runtime;

import io.callbridge.broker.BrokerSecurity;
import io.callbridge.broker.BrokerStartException;
import io.callbridge.broker.EmbeddedBroker;
import io.callbridge.broker.OwnerOnlyFile;
import io.callbridge.device.BrokerPresence;
import io.callbridge.device.DeviceSignIn;
import io.callbridge.limits.Limits;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.camel.quarkus.main.events.AfterStop;
import org.apache.camel.quarkus.main.events.BeforeStart;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The broker devices connect to: the configured one, or else an embedded HiveMQ started before Camel's routes
 * (they connect as soon as they start) and stopped after them. On the embedded broker devices sign in the
 * platform's way and CallBridge's own clients with a service credential ({@link BrokerSecurity}).
 */
@ApplicationScoped
public class MqttBroker {

    private static final Logger LOG = Logger.getLogger(MqttBroker.class);

    /** The service account of CallBridge's own clients on the embedded broker, unless configured. */
    static final String SERVICE_USERNAME = "callbridge";
    static final String CREDENTIAL_FILE = "service-password";

    /** What CallBridge's own clients sign in with. */
    public record Credentials(String username, String password) {

        @Override
        public String toString() {
            return "Credentials[" + username + "]";
        }
    }

    @Inject
    CallBridgeConfig config;

    @Inject
    DeviceSignIn signIn;

    @Inject
    BrokerPresence presence;

    @Inject
    Limits limits;

    private EmbeddedBroker embedded;
    private BrokerSecurity security;
    private String url;
    private Credentials credentials;

    /** The broker URL CallBridge's own clients use; starts the embedded broker on first use. */
    public synchronized String url() {
        if (url != null) {
            return url;
        }
        if (config.mqtt().brokerUrl().isPresent()) {
            url = config.mqtt().brokerUrl().get();
            LOG.infof("Using the MQTT broker at %s (no embedded broker)", url);
            return url;
        }
        CallBridgeConfig.Embedded e = config.mqtt().embedded();
        Path dir = Path.of(config.dataDir(), "broker");
        credentials = serviceCredentials(dir);
        java.util.Set<String> ownIds = java.util.Set.of(config.mqtt().clientId() + "-up",
                config.mqtt().clientId() + "-down");
        BrokerSecurity.Settings settings = new BrokerSecurity.Settings(credentials.username(), credentials.password(),
                ownIds::contains, e.anonymousDevices(), limits.mqttConnectsPerAddress());
        security = new BrokerSecurity(settings, signIn::broker);
        security.onPresence((clientId, online) -> {
            if (!ownIds.contains(clientId)) {
                presence.changed(clientId, online);
            }
        });
        BrokerSecurity.warning(settings).ifPresent(LOG::warn);
        try {
            embedded = EmbeddedBroker.start(e.host(), e.port(), dir,
                    Duration.ofSeconds(30), new EmbeddedBroker.Options(e.maxQueuedMessages(),
                            e.persistence() == CallBridgeConfig.Persistence.FILE,
                            Math.max(10, config.mqtt().downlink().maxInFlight()), config.limits().mqttMaxConnections(),
                            config.limits().mqttMaxPacketSize(), tlsListener(e)), security.extension());
        } catch (BrokerStartException ex) {
            throw new IllegalStateException(ex.getMessage() + " (set callbridge.mqtt.embedded.port to a free port,"
                    + " or callbridge.mqtt.broker-url to use an external broker)", ex);
        }
        url = "tcp://" + ("0.0.0.0".equals(e.host()) ? "127.0.0.1" : e.host()) + ":" + e.port();
        return url;
    }

    /** The TLS listener devices may use beside the plain one, when a port and a key store are configured. */
    private EmbeddedBroker.TlsListener tlsListener(CallBridgeConfig.Embedded e) {
        if (e.tlsPort().isEmpty()) {
            return null;
        }
        CallBridgeConfig.Tls tls = config.tls();
        String store = tls.keyStore().orElseThrow(() -> new IllegalStateException(
                "callbridge.mqtt.embedded.tls-port needs callbridge.tls.key-store (a PKCS12 or JKS file)"));
        if (!Files.isReadable(Path.of(store))) {
            throw new IllegalStateException("callbridge.tls.key-store " + store + " cannot be read");
        }
        String password = tls.keyStorePassword().orElse("");
        return new EmbeddedBroker.TlsListener(e.tlsPort().getAsInt(), Path.of(store).toAbsolutePath().toString(),
                password, tls.keyPassword().orElse(password));
    }

    /** Connections the embedded broker refused (bad credentials, a taken client id, a rate); 0 for an external one. */
    public long refusedConnections() {
        BrokerSecurity s = security;
        return s == null ? 0 : s.refused();
    }

    public boolean embedded() {
        return embedded != null;
    }

    /** What CallBridge's own MQTT clients sign in with: the configured ones, else the embedded broker's own. */
    public synchronized Optional<Credentials> credentials() {
        url();
        if (credentials != null) {
            return Optional.of(credentials);
        }
        return config.mqtt().username().map(u -> new Credentials(u, config.mqtt().password().orElse("")));
    }

    /** Whether the device is connected to the embedded broker now; empty for an external broker, which does not say. */
    public Optional<Boolean> connected(DeviceId device) {
        BrokerSecurity s = security;
        if (s == null || embedded == null) {
            return Optional.empty();
        }
        return Optional.of(s.connected(DeviceCredentials.clientId(device)));
    }

    /** Closes the device's connection to the embedded broker (its secret changed); nothing on an external one. */
    public void signOut(DeviceId device) {
        BrokerSecurity s = security;
        if (s != null && embedded != null) {
            s.disconnect(DeviceCredentials.clientId(device));
        }
    }

    /**
     * The configured username and password, or else a password generated once and kept in the broker's folder
     * (readable by its owner only), so that nobody can connect with CallBridge's own client ids.
     */
    private Credentials serviceCredentials(Path dir) {
        Optional<String> user = config.mqtt().username();
        Optional<String> password = config.mqtt().password();
        if (user.isPresent() && password.isPresent()) {
            return new Credentials(user.get(), password.get());
        }
        Path file = dir.resolve(CREDENTIAL_FILE);
        try {
            Files.createDirectories(dir);
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                OwnerOnlyFile.write(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random));
            }
            return new Credentials(user.orElse(SERVICE_USERNAME), Files.readString(file, StandardCharsets.UTF_8).trim());
        } catch (IOException ex) {
            throw new IllegalStateException("cannot keep the embedded broker's service credential in " + file + ": "
                    + ex.getMessage(), ex);
        }
    }

    /** Messages the embedded broker dropped since it started; -1 for an external broker (see BrokerDrops). */
    public long embeddedDrops() {
        EmbeddedBroker b = embedded;
        return b == null ? -1 : b.droppedMessages();
    }

    void beforeCamel(@Observes BeforeStart event) {
        url();
    }

    void started(@Observes StartupEvent event) {
        if (embedded != null) {
            LOG.infof("Embedded MQTT 5 broker: devices connect to %s and sign in with the platform's credentials"
                    + " (client id {ProductId}{DeviceName}, secret registered with PUT /api/devices/P/D/secret)",
                    embedded.url());
            config.mqtt().embedded().tlsPort().ifPresent(p -> LOG.infof("Embedded MQTT 5 broker: TLS on ssl://%s:%d",
                    config.mqtt().embedded().host(), p));
            BrokerSecurity.warning(security.settings()).ifPresent(LOG::warn);
        }
        var quarkus = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String host = quarkus.getOptionalValue("quarkus.http.host", String.class).orElse("0.0.0.0");
        int port = quarkus.getOptionalValue("quarkus.http.port", Integer.class).orElse(8080);
        LOG.infof("App API: POST http://%s:%d/api/exploreropen/tokenapi; call records: GET /api/calls; health: GET"
                + " /q/health", host, port);
    }

    synchronized void afterCamel(@Observes AfterStop event) {
        if (embedded != null) {
            embedded.close();
            embedded = null;
        }
    }
}
