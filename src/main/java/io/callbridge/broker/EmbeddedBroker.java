package io.callbridge.broker;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embedded HiveMQ CE MQTT 5 broker with a single plain TCP listener. Free of CDI so that its lifecycle can be
 * owned by whoever needs it.
 */
public final class EmbeddedBroker implements AutoCloseable {

    /**
     * {@code maxQueuedMessages}: what HiveMQ keeps per client beyond the messages in flight (HiveMQ's own default,
     * 1000, silently drops the rest of a burst); {@code filePersistence}: sessions and queued messages on disk, so a
     * crash of the process loses none of what devices were told was received; {@code serverReceiveMaximum}: QoS 1
     * publishes a client may have in flight to the broker.
     */
    public record Options(long maxQueuedMessages, boolean filePersistence, int serverReceiveMaximum,
            long maxConnections, int maxPacketSize, TlsListener tls) {

        /** HiveMQ's own defaults: what a test broker standing for "some broker" runs with. */
        public static final Options HIVEMQ_DEFAULTS = new Options(1000, false, 10);

        /** No connection limit, HiveMQ's largest packet, no TLS listener. */
        public Options(long maxQueuedMessages, boolean filePersistence, int serverReceiveMaximum) {
            this(maxQueuedMessages, filePersistence, serverReceiveMaximum, -1, 268_435_460, null);
        }
    }

    /** A TLS listener beside the plain one, serving the key store's key (PKCS12 or JKS). */
    public record TlsListener(int port, String keyStore, String storePassword, String keyPassword) {

        @Override
        public String toString() {
            return "TlsListener[" + port + ", " + keyStore + "]";
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    // HiveMQ's own shutdown takes about 4 s; leave headroom on a loaded 2-core machine.
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /**
     * HiveMQ splits each of its stores into 64 buckets, one database each, sized for a broker of many cores; opening
     * them was a quarter of the embedded broker's start. One per core (at least four) serves one instance. The count
     * is part of the files' layout, so a data folder keeps the count it was made with.
     */
    private static final int BUCKETS = Math.max(4, Runtime.getRuntime().availableProcessors());
    private static final int HIVEMQ_DEFAULT_BUCKETS = 64;
    private static final String BUCKETS_FILE = "callbridge-buckets";

    private final String host;
    private final int port;
    private final EmbeddedHiveMQ hiveMQ;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedBroker(String host, int port, EmbeddedHiveMQ hiveMQ) {
        this.host = host;
        this.port = port;
        this.hiveMQ = hiveMQ;
    }

    /**
     * Starts HiveMQ CE on host:port, data under dataDir (created if missing).
     * Blocks until started or throws after startTimeout.
     */
    public static EmbeddedBroker start(String host, int port, Path dataDir, Duration startTimeout)
            throws BrokerStartException {
        return start(host, port, dataDir, startTimeout, Options.HIVEMQ_DEFAULTS);
    }

    public static EmbeddedBroker start(String host, int port, Path dataDir, Duration startTimeout, Options options)
            throws BrokerStartException {
        return start(host, port, dataDir, startTimeout, options, null);
    }

    /** As above, with an extension running inside the broker (interceptors, authentication); null for none. */
    public static EmbeddedBroker start(String host, int port, Path dataDir, Duration startTimeout, Options options,
            com.hivemq.embedded.EmbeddedExtension extension) throws BrokerStartException {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(startTimeout, "startTimeout");
        // Port 0 would bind an ephemeral port that HiveMQ does not report back.
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be within 1..65535, was " + port);
        }
        if (startTimeout.isNegative() || startTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout must be positive, was " + startTimeout);
        }

        InetAddress bindAddress = resolve(host, port);
        // HiveMQ reports a taken port only as a bare UnrecoverableException (reason in its log), so check first.
        ensurePortFree(host, port, bindAddress);
        if (options.tls() != null) {
            ensurePortFree(host, options.tls().port(), bindAddress);
        }

        Path root = dataDir.resolve("hivemq");
        Path confDir = root.resolve("conf");
        Path dataFolder = root.resolve("data");
        Path extensionsDir = root.resolve("extensions");
        try {
            Files.createDirectories(confDir);
            Files.createDirectories(dataFolder);
            Files.createDirectories(extensionsDir);
            // It quotes the key store's password when TLS is on.
            OwnerOnlyFile.write(confDir.resolve("config.xml"), configXml(host, port, options));
        } catch (IOException | RuntimeException e) {
            throw new BrokerStartException(host, port, "cannot prepare HiveMQ folders under " + root + ": " + e, e);
        }

        // Device topics are "$thing/..."; HiveMQ CE otherwise disconnects such publishers (reason 130).
        InternalConfigurations.MQTT_ALLOW_DOLLAR_TOPICS.set(true);
        int buckets;
        try {
            buckets = buckets(dataFolder);
        } catch (IOException | RuntimeException e) {
            throw new BrokerStartException(host, port, "cannot read the broker's layout under " + root + ": " + e, e);
        }
        InternalConfigurations.PERSISTENCE_BUCKET_COUNT.set(buckets);
        InternalConfigurations.PAYLOAD_PERSISTENCE_BUCKET_COUNT.set(buckets);

        EmbeddedHiveMQ hiveMQ;
        try {
            var builder = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(confDir)
                    .withDataFolder(dataFolder)
                    .withExtensionsFolder(extensionsDir)
                    .withoutLoggingBootstrap();
            if (extension != null) {
                builder.withEmbeddedExtension(extension);
            }
            hiveMQ = builder.build();
        } catch (RuntimeException | LinkageError e) {
            throw new BrokerStartException(host, port, "cannot create HiveMQ: " + e, e);
        }

        LOG.info("Starting embedded MQTT broker on {}:{} (data under {})", host, port, root);
        long startedAt = System.nanoTime();
        try {
            // A bootstrap Error can leave this future pending forever, hence the bounded wait.
            hiveMQ.start().get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            closeHiveMQ(hiveMQ, host, port);
            throw new BrokerStartException(host, port, "HiveMQ did not start within " + startTimeout, e);
        } catch (ExecutionException e) {
            closeHiveMQ(hiveMQ, host, port);
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new BrokerStartException(host, port, "HiveMQ failed to start (see its log): " + cause, cause);
        } catch (InterruptedException e) {
            closeHiveMQ(hiveMQ, host, port);
            Thread.currentThread().interrupt();
            throw new BrokerStartException(host, port, "interrupted while waiting for HiveMQ to start", e);
        }
        LOG.info("Embedded MQTT broker listening on {}:{} after {} ms", host, port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt));
        return new EmbeddedBroker(host, port, hiveMQ);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** PUBLISH messages HiveMQ dropped (full queues, expired messages), since it started. */
    public long droppedMessages() {
        var counter = hiveMQ.getMetricRegistry().getCounters().get("com.hivemq.messages.dropped.count");
        return counter == null ? 0 : counter.getCount();
    }

    /** "tcp://host:port", the form Paho expects. */
    public String url() {
        String h = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return "tcp://" + h + ":" + port;
    }

    /** Stops the broker and waits a bounded time for it; idempotent and never throws. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("Stopping embedded MQTT broker on {}:{}", host, port);
        closeHiveMQ(hiveMQ, host, port);
    }

    private static InetAddress resolve(String host, int port) throws BrokerStartException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException | SecurityException e) {
            throw new BrokerStartException(host, port, "cannot resolve host: " + e.getMessage(), e);
        }
    }

    private static void ensurePortFree(String host, int port, InetAddress bindAddress) throws BrokerStartException {
        try (ServerSocket probe = new ServerSocket()) {
            // Same SO_REUSEADDR as Netty: a TIME_WAIT leftover must not count as "in use".
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(bindAddress, port));
        } catch (BindException e) {
            throw new BrokerStartException(host, port, "cannot bind port " + port + ": " + e.getMessage(), e);
        } catch (IOException | SecurityException e) {
            throw new BrokerStartException(host, port, "cannot bind: " + e, e);
        }
    }

    // EmbeddedHiveMQ.close() waits without a bound, so run it aside and give up after STOP_TIMEOUT.
    private static void closeHiveMQ(EmbeddedHiveMQ hiveMQ, String host, int port) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread stopper = new Thread(() -> {
            try {
                hiveMQ.close();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "embedded-broker-stop-" + port);
        stopper.setDaemon(true);
        try {
            stopper.start();
            done.get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Embedded MQTT broker on {}:{} stopped", host, port);
        } catch (TimeoutException e) {
            LOG.warn("Embedded MQTT broker on {}:{} did not stop within {}; continuing", host, port, STOP_TIMEOUT);
        } catch (ExecutionException e) {
            LOG.warn("Error while stopping embedded MQTT broker on {}:{}", host, port, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while stopping embedded MQTT broker on {}:{}", host, port);
        } catch (RuntimeException e) {
            LOG.warn("Cannot stop embedded MQTT broker on {}:{}", host, port, e);
        }
    }

    static String configXml(String host, int port, Options options) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                        </tcp-listener>%s
                    </listeners>
                    <mqtt>
                        <queued-messages>
                            <max-queue-size>%d</max-queue-size>
                            <strategy>discard</strategy>
                        </queued-messages>
                        <receive-maximum>
                            <server-receive-maximum>%d</server-receive-maximum>
                        </receive-maximum>
                        <packets>
                            <max-packet-size>%d</max-packet-size>
                        </packets>
                    </mqtt>
                    <restrictions>
                        <max-connections>%d</max-connections>
                        <max-client-id-length>512</max-client-id-length>
                        <no-connect-idle-timeout>10000</no-connect-idle-timeout>
                    </restrictions>
                    <persistence>
                        <mode>%s</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port, escapeXml(host), tlsListenerXml(host, options.tls()), options.maxQueuedMessages(),
                options.serverReceiveMaximum(),
                options.maxPacketSize(), options.maxConnections(), options.filePersistence() ? "file" : "in-memory");
    }

    private static String tlsListenerXml(String host, TlsListener tls) {
        if (tls == null) {
            return "";
        }
        return """

                        <tls-tcp-listener>
                            <port>%d</port>
                            <bind-address>%s</bind-address>
                            <tls>
                                <keystore>
                                    <path>%s</path>
                                    <password>%s</password>
                                    <private-key-password>%s</private-key-password>
                                </keystore>
                                <client-authentication-mode>NONE</client-authentication-mode>
                            </tls>
                        </tls-tcp-listener>""".formatted(tls.port(), escapeXml(host), escapeXml(tls.keyStore()),
                escapeXml(tls.storePassword()), escapeXml(tls.keyPassword()));
    }

    static int buckets(Path dataFolder) throws IOException {
        Path file = dataFolder.resolve(BUCKETS_FILE);
        if (Files.exists(file)) {
            return Integer.parseInt(Files.readString(file, StandardCharsets.US_ASCII).trim());
        }
        boolean made = Files.exists(dataFolder.resolve("persistence"));
        int buckets = made ? HIVEMQ_DEFAULT_BUCKETS : BUCKETS;
        Files.writeString(file, Integer.toString(buckets), StandardCharsets.US_ASCII);
        return buckets;
    }

    private static String escapeXml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;").replace("'", "&apos;");
    }
}
