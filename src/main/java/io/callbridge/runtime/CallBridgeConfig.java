package io.callbridge.runtime;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** Every {@code callbridge.*} key. Defaults and documentation live in the top-level application.properties and README. */
@ConfigMapping(prefix = "callbridge")
public interface CallBridgeConfig {

    Mqtt mqtt();

    CallTimes call();

    Auth auth();

    Webhooks webhooks();

    String dataDir();

    Cluster cluster();

    Admin admin();

    Store store();

    Limits limits();

    /** The app push WebSocket, {@code /ws/explorer} on the HTTP port. */
    Push push();

    interface Push {
        /** A connection that sends nothing for this long (the SDKs send a keep-alive every 10 s) is closed. */
        Duration idleTimeout();

        /** Connections at once, at most; more are refused at the upgrade. */
        int maxConnections();

        /** Bytes of pushes waiting to be sent to one app; an app that lets more pile up is closed as too slow. */
        int sendQueueBytes();
    }

    /** Rates per second and their bursts; a rate of 0 turns that limit off. */
    interface Limits {
        /** Reports (and get_status) from one device; more get report_reply 429. */
        @WithDefault("20")
        long deviceReportsPerSecond();

        @WithDefault("40")
        long deviceReportsBurst();

        /** tokenapi calls from one client address; more get RequestLimitExceeded. */
        @WithDefault("200")
        long apiPerAddressPerSecond();

        @WithDefault("400")
        long apiPerAddressBurst();

        /** tokenapi calls with one access token. */
        @WithDefault("20")
        long apiPerTokenPerSecond();

        @WithDefault("40")
        long apiPerTokenBurst();

        /** Refused access tokens from one address: past them, every call from it waits (guessing slows down). */
        @WithDefault("1")
        long apiFailuresPerAddressPerSecond();

        @WithDefault("10")
        long apiFailuresPerAddressBurst();

        /** MQTT connection attempts from one address on the embedded broker. */
        @WithDefault("50")
        long mqttConnectsPerAddressPerSecond();

        @WithDefault("1000")
        long mqttConnectsPerAddressBurst();

        /** Connections the embedded broker holds at most. */
        @WithDefault("100000")
        long mqttMaxConnections();

        /** The largest MQTT packet the embedded broker takes (a device's message is read up to 64 KiB). */
        @WithDefault("131072")
        int mqttMaxPacketSize();
    }

    interface Store {
        /**
         * Once a transition waits to be written, how long the writer waits for more to share its commit, while
         * transitions arrive at least {@link #batchWindowFromRate()} a second.
         */
        Duration batchWindow();

        /** Transitions a second from which the writer waits {@link #batchWindow()}; below, each commits at once. */
        double batchWindowFromRate();

        /** Transitions written in one transaction at most. */
        int maxBatch();
    }

    interface Admin {
        /** Bearer token of the management API (/api/calls, /webhooks, /devices, /broker); unset keeps it closed. */
        Optional<String> token();

        /**
         * A port of its own for the management API, health and metrics; set, the API port answers 404 for them.
         * Unset, they share the API port.
         */
        OptionalInt port();

        /** The interface the management port listens on. */
        @WithDefault("127.0.0.1")
        String host();
    }

    interface Cluster {
        /** Instances with the same group share device reports (MQTT shared subscription). */
        Optional<String> group();
    }

    interface Mqtt {
        /** An external broker; when absent, CallBridge starts its embedded one. */
        Optional<String> brokerUrl();

        Embedded embedded();

        String clientId();

        Optional<String> username();

        Optional<String> password();

        Duration maxReconnectDelay();

        long sessionExpirySeconds();

        /** MQTT 5 Receive Maximum of the uplink: reports in flight to this instance before the broker waits. */
        int receiveMaximum();

        /** Threads handling reports; one device's reports always go to the same one, in order. */
        int uplinkWorkers();

        /** Messages CallBridge publishes: replies, controls, the canary. */
        Downlink downlink();

        /** How often CallBridge sends itself a canary through the broker. */
        Duration canaryInterval();

        /** A canary overdue this long, with no report handled meanwhile, turns health DOWN. */
        Duration stallTimeout();

        /** Derived from callbridge.cluster.group by {@link UplinkTopic}; set it only to override. */
        String uplinkTopic();

        /**
         * On an external broker, which does not tell CallBridge who is connected: a device counts as online while
         * its last report is at most this old. The embedded broker answers from its own connections.
         */
        Duration presenceSeenWithin();
    }

    interface Downlink {
        /** Publishes in flight at once, at most (the broker's Receive Maximum may lower it). */
        int maxInFlight();

        /** Messages waiting to be published, at most; a report waits for room, a control stays in the outbox. */
        int queueSize();

        /** How long a control is retried before it is given up. */
        Duration controlRetryFor();
    }

    interface Embedded {
        String host();

        int port();

        /** A TLS listener for devices beside the plain one (needs callbridge.tls.key-store); unset: none. */
        OptionalInt tlsPort();

        /** Messages the embedded broker keeps for one client beyond those in flight; past it, it drops them. */
        long maxQueuedMessages();

        /** {@code file}: sessions and queued messages survive a crash; {@code in-memory}: they do not. */
        Persistence persistence();

        /** Lets clients without credentials in as any device (their own topics' shapes only); off by default. */
        @WithDefault("false")
        boolean anonymousDevices();
    }

    enum Persistence {
        FILE, IN_MEMORY
    }

    interface CallTimes {
        Duration ringTimeout();

        Duration connectTimeout();

        /** How long a connected call outlives its media (voice closed, link lost) before it ends INTERRUPTED. */
        Duration mediaGrace();

        /** How long a call outlives its device's connection to the embedded broker before it ends OFFLINE. */
        Duration offlineGrace();

        /** How far ahead of this server's clock a report's timestamp may be; one further ahead is refused. */
        @WithDefault("10m")
        Duration maxClockSkew();
    }

    P2p p2p();

    Tls tls();

    /** The key store (PKCS12 or JKS) that the embedded broker's TLS listener and the relay's wss serve. */
    interface Tls {
        Optional<String> keyStore();

        Optional<String> keyStorePassword();

        /** The key's own password; the store's when unset. */
        Optional<String> keyPassword();
    }

    /** The P2P signaling relay (the p2p component). */
    interface P2p {
        String host();

        int port();

        Duration commandTimeout();

        int maxAppsPerDevice();

        Duration idleTimeout();

        Duration pingInterval();

        /** How often each app's right to its device is asked again: a callee's ends with the call. */
        @WithDefault("5s")
        Duration accessCheckInterval();

        /** A connection that has not become a WebSocket by then is closed. */
        @WithDefault("10s")
        Duration handshakeTimeout();

        /** Open connections the relay holds at most. */
        @WithDefault("10000")
        int maxConnections();

        /** wss:// with callbridge.tls.key-store instead of ws://. */
        @WithDefault("false")
        boolean tls();
    }

    interface Auth {
        /** Access token to user id: {@code callbridge.auth.tokens.<token>=<userId>}. */
        @WithDefault("")
        Map<String, String> tokens();

        /** App tokens signed by the vendor's login server; on when a secret or a JWKS URL is set. */
        Jwt jwt();
    }

    interface Jwt {
        /** HMAC key (HS256/384/512), at least 32 bytes. */
        Optional<String> hmacSecret();

        /** Where the login server publishes its public keys (RS*, PS256, ES256/384). */
        Optional<String> jwksUrl();

        Optional<String> issuer();

        Optional<String> audience();

        /** The claim that holds the user id. */
        @WithDefault("sub")
        String userClaim();

        @WithDefault("30s")
        Duration clockSkew();
    }

    interface Webhooks {
        Optional<List<String>> url();

        Optional<String> secret();

        Duration connectTimeout();

        Duration timeout();

        /** Webhook attempts in flight at once; beyond that they wait in the outbox. */
        int maxInFlight();

        /** How long settled deliveries (and controls) stay listed in the outbox. */
        Duration retention();

        /** Ringing-time events: worthless once the ring is over. */
        Retries urgent();

        /** Record events such as call.ended. */
        Retries record();
    }

    /** How the outbox retries a class of events: first delay, doubling up to the max, for this long. */
    interface Retries {
        Duration retryDelay();

        Duration maxRetryDelay();

        Duration retryFor();
    }
}
