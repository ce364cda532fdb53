package io.callbridge.broker;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.ManagedExtensionExecutorService;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.session.ClientService;
import io.callbridge.limits.RateLimit;
import io.callbridge.thing.DeviceId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Who may connect to the embedded broker and what each may do there (protocol §10). A device signs in the
 * platform's way and may publish only on its own {@code $thing/up/…/P/D} and subscribe only to its own
 * {@code $thing/down/…/P/D}; CallBridge's own clients sign in with the service credential and read every device;
 * nobody retains a message on {@code $thing/}. Everyone else is refused with "bad user name or password".
 */
public final class BrokerSecurity {

    /** Finds the device that connects with this client id and checks its credentials. */
    @FunctionalInterface
    public interface Devices {
        /** The device these credentials sign in, or why they do not (a reason that never quotes a secret). */
        SignIn signIn(String clientId, String username, String password);
    }

    public record SignIn(DeviceId device, String refusal) {

        public static SignIn of(DeviceId device) {
            return new SignIn(Objects.requireNonNull(device), null);
        }

        public static SignIn refused(String reason) {
            return new SignIn(null, Objects.requireNonNull(reason));
        }
    }

    /**
     * {@code serviceClientIds}: the client ids CallBridge's own clients use; nobody else may take one, even when
     * {@code anonymousDevices} lets devices in without credentials.
     */
    public record Settings(String serviceUsername, String servicePassword, Predicate<String> serviceClientIds,
            boolean anonymousDevices, RateLimit connectsPerAddress) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(BrokerSecurity.class);
    private static final Duration SIGN_IN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PRESENCE_SETTLE = Duration.ofMillis(500);
    private static final String UP = "$thing/up/+/";
    private static final String DOWN = "$thing/down/+/";

    private final Settings settings;
    private final Devices devices;
    private final byte[] servicePassword;
    private final AtomicLong refused = new AtomicLong();
    // HiveMQ's services are static and belong to the broker started last: kept from this broker's start.
    private volatile ClientService clients;
    private volatile ManagedExtensionExecutorService executor;
    private volatile java.util.function.BiConsumer<String, Boolean> presence = (clientId, online) -> { };

    public BrokerSecurity(Settings settings, Devices devices) {
        this.settings = Objects.requireNonNull(settings);
        this.devices = Objects.requireNonNull(devices);
        this.servicePassword = settings.servicePassword().getBytes(StandardCharsets.UTF_8);
    }

    public Settings settings() {
        return settings;
    }

    /** Closes the client's connection, if it has one: its credentials were revoked. */
    public void disconnect(String clientId) {
        ClientService c = clients;
        if (c == null) {
            return;
        }
        try {
            c.disconnectClient(clientId).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Could not disconnect MQTT client {}: {}", printable(clientId), e.toString());
        }
    }

    /**
     * Told (client id, connected) when a client signs in or its connection ends, off the broker's threads. A refused
     * sign-in is not a disconnect of whoever holds that client id, and a connection taken over by a new one of the
     * same id is not reported as gone.
     */
    public void onPresence(java.util.function.BiConsumer<String, Boolean> listener) {
        presence = Objects.requireNonNull(listener);
    }

    private com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener lifecycle() {
        return new com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener() {
            @Override
            public void onMqttConnectionStart(com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput in) {
            }

            @Override
            public void onAuthenticationSuccessful(
                    com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput in) {
                String id = in.getClientInformation().getClientId();
                executor.submit(() -> presence.accept(id, true));
            }

            @Override
            public void onAuthenticationFailedDisconnect(
                    com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationFailedInput in) {
            }

            @Override
            public void onDisconnect(com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput in) {
                String id = in.getClientInformation().getClientId();
                // Asked a moment later: while this event runs the broker may still count the connection, and a
                // device that reconnected at once (a takeover of its client id) has not left.
                executor.schedule(() -> {
                    ClientService c = clients;
                    if (c != null) {
                        c.isClientConnected(id).whenComplete((still, e) -> {
                            if (e == null && !Boolean.TRUE.equals(still)) {
                                executor.submit(() -> presence.accept(id, false));
                            }
                        });
                    }
                }, PRESENCE_SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            }
        };
    }

    /** Whether a client with this id is connected to the broker now; false while the broker is not started. */
    public boolean connected(String clientId) {
        ClientService c = clients;
        if (c == null) {
            return false;
        }
        try {
            return c.isClientConnected(clientId).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warn("Could not learn whether MQTT client {} is connected: {}", printable(clientId), e.toString());
            return false;
        }
    }

    /** Connections refused since the broker started. */
    public long refused() {
        return refused.get();
    }

    /** The HiveMQ extension that enforces this; give it to {@link EmbeddedBroker#start}. */
    public EmbeddedExtension extension() {
        ExtensionMain main = new ExtensionMain() {
            @Override
            public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
                clients = Services.clientService();
                executor = Services.extensionExecutorService();
                Services.securityRegistry().setAuthenticatorProvider(input -> authenticator());
                Services.eventRegistry().setClientLifecycleEventListener(input -> lifecycle());
            }

            @Override
            public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {
            }
        };
        return EmbeddedExtension.builder().withId("callbridge-security").withName("CallBridge security")
                .withVersion("1").withPriority(1000).withStartPriority(1000).withAuthor("CallBridge")
                .withExtensionMain(main).build();
    }

    private SimpleAuthenticator authenticator() {
        return this::onConnect;
    }

    private void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        ConnectPacket connect = input.getConnectPacket();
        String clientId = connect.getClientId();
        String address = input.getConnectionInformation().getInetAddress().map(InetAddress::getHostAddress).orElse("?");
        if (!settings.connectsPerAddress().tryAcquire(address)) {
            refused.incrementAndGet();
            LOG.debug("MQTT client {} from {} refused: too many connection attempts", printable(clientId), address);
            output.failAuthentication(ConnackReasonCode.CONNECTION_RATE_EXCEEDED, "too many connection attempts");
            return;
        }
        String username = connect.getUserName().orElse(null);
        String password = connect.getPassword().map(BrokerSecurity::utf8).orElse(null);
        if (settings.serviceUsername().equals(username)) {
            if (password != null && MessageDigest.isEqual(servicePassword, password.getBytes(StandardCharsets.UTF_8))) {
                servicePermissions(output.getDefaultPermissions());
                output.authenticateSuccessfully();
            } else {
                refuse(output, clientId, "wrong service credential");
            }
            return;
        }
        if (settings.serviceClientIds().test(clientId)) {
            refuse(output, clientId, "the client id is CallBridge's own");
            return;
        }
        if (username == null && password == null && settings.anonymousDevices()) {
            anonymousPermissions(output.getDefaultPermissions());
            output.authenticateSuccessfully();
            return;
        }
        // The registry is a database: looked up off HiveMQ's threads.
        Async<SimpleAuthOutput> async = output.async(SIGN_IN_TIMEOUT, TimeoutFallback.FAILURE,
                ConnackReasonCode.SERVER_UNAVAILABLE, "sign-in timed out");
        executor.submit(() -> {
            try {
                SignIn signIn = devices.signIn(clientId, username, password);
                if (signIn.device() != null) {
                    devicePermissions(output.getDefaultPermissions(), signIn.device());
                    output.authenticateSuccessfully();
                } else {
                    refuse(output, clientId, signIn.refusal());
                }
            } catch (RuntimeException e) {
                LOG.warn("Sign-in of MQTT client {} failed: {}", printable(clientId), e.toString());
                output.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "sign-in failed");
            } finally {
                async.resume();
            }
        });
    }

    private void refuse(SimpleAuthOutput output, String clientId, String reason) {
        refused.incrementAndGet();
        LOG.info("MQTT client {} refused: {}", printable(clientId), reason);
        output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, reason);
    }

    private static void devicePermissions(ModifiableDefaultPermissions p, DeviceId device) {
        p.add(allow(UP + device, TopicPermission.MqttActivity.PUBLISH));
        p.add(allow(DOWN + device, TopicPermission.MqttActivity.SUBSCRIBE));
        p.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
    }

    /** Any device's topics, as when no one signs in; still no reading of reports and no retained messages. */
    private static void anonymousPermissions(ModifiableDefaultPermissions p) {
        p.add(allow(UP + "+/+", TopicPermission.MqttActivity.PUBLISH));
        p.add(allow(DOWN + "+/+", TopicPermission.MqttActivity.SUBSCRIBE));
        p.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
    }

    private static void servicePermissions(ModifiableDefaultPermissions p) {
        p.add(Builders.topicPermission().topicFilter("$thing/#").activity(TopicPermission.MqttActivity.PUBLISH)
                .retain(TopicPermission.Retain.RETAINED).type(TopicPermission.PermissionType.DENY).build());
        p.setDefaultBehaviour(DefaultAuthorizationBehaviour.ALLOW);
    }

    private static TopicPermission allow(String filter, TopicPermission.MqttActivity activity) {
        var b = Builders.topicPermission().topicFilter(filter).activity(activity)
                .type(TopicPermission.PermissionType.ALLOW);
        if (activity == TopicPermission.MqttActivity.PUBLISH) {
            b.retain(TopicPermission.Retain.NOT_RETAINED);
        } else {
            b.sharedSubscription(TopicPermission.SharedSubscription.NOT_SHARED);
        }
        return b.build();
    }

    private static String utf8(ByteBuffer buffer) {
        ByteBuffer b = buffer.asReadOnlyBuffer();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A client id as a log shows it: bounded and without control characters. */
    static String printable(String clientId) {
        if (clientId == null) {
            return "''";
        }
        String s = clientId.length() > 64 ? clientId.substring(0, 64) + "…" : clientId;
        return "'" + s.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append) + "'";
    }

    /** What the start-up log says when anyone may connect as a device. */
    public static Optional<String> warning(Settings settings) {
        return settings.anonymousDevices() ? Optional.of("ANONYMOUS DEVICES ARE ON: any client may connect to the"
                + " embedded broker without credentials and publish as any device"
                + " (callbridge.mqtt.embedded.anonymous-devices=true)") : Optional.empty();
    }
}
