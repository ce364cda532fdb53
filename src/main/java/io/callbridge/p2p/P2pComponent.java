package io.callbridge.p2p;

import io.callbridge.thing.DeviceId;
import io.vertx.core.Vertx;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.annotations.Component;
import org.apache.camel.support.DefaultComponent;

import java.util.Map;
import java.util.Optional;

/**
 * The {@code p2p} component: an open relay for the P2P signaling of a call. {@code from("p2p:*")} receives relay
 * events (filtered by device with {@code p2p:ProductId/DeviceName}); {@code to("p2p:ProductId/DeviceName?cmd=...")}
 * asks a connected device and returns its answer. The relay starts with the component.
 */
@Component("p2p")
public class P2pComponent extends DefaultComponent {

    @Metadata
    private P2pConfiguration configuration = new P2pConfiguration();
    @Metadata(description = "Decides which app may connect to which device, from its access token."
            + " Without one, every app is refused.", autowired = true)
    private P2pRelay.AppAuthenticator authenticator;
    @Metadata(description = "Decides which connection may speak as a device, from the HTTP Basic credentials of"
            + " its WebSocket upgrade. Without one, every device is refused.", autowired = true)
    private P2pRelay.DeviceAuthenticator deviceAuthenticator;

    @Metadata(description = "The Vert.x the relay serves on: the application's (Quarkus's, found in the registry)"
            + " when there is one, else one of the relay's own", autowired = true)
    private Vertx vertx;

    private P2pRelay relay;
    private boolean stopped;

    /** Open relay connections; 0 when the relay is not running. Starts nothing (metrics read it at any time). */
    public synchronized long connections() {
        return relay == null ? 0 : relay.connections();
    }

    /** Connections the relay closed at once; 0 when it is not running. */
    public synchronized long refusedConnections() {
        return relay == null ? 0 : relay.refusedConnections();
    }

    /** The device's relay links, if the relay runs, are closed: its credentials changed. */
    public synchronized void signOut(DeviceId device) {
        if (relay != null) {
            relay.signOut(device);
        }
    }

    public Vertx getVertx() {
        return vertx;
    }

    /** The Vert.x the relay runs on; it is not closed with the relay. */
    public void setVertx(Vertx vertx) {
        this.vertx = vertx;
    }

    public P2pConfiguration getConfiguration() {
        return configuration;
    }

    /** The relay's settings. */
    public void setConfiguration(P2pConfiguration configuration) {
        this.configuration = configuration;
    }

    public P2pRelay.AppAuthenticator getAuthenticator() {
        return authenticator;
    }

    /** Who an app is, from its access token, if it may talk to that device. */
    public void setAuthenticator(P2pRelay.AppAuthenticator authenticator) {
        this.authenticator = authenticator;
    }

    public P2pRelay.DeviceAuthenticator getDeviceAuthenticator() {
        return deviceAuthenticator;
    }

    /** Whether a connection may speak as the device; CallBridge checks the platform's device signature. */
    public void setDeviceAuthenticator(P2pRelay.DeviceAuthenticator deviceAuthenticator) {
        this.deviceAuthenticator = deviceAuthenticator;
    }

    /** The running relay, started with the component; a stopped component starts none (it would outlive it). */
    public synchronized P2pRelay relay() {
        if (relay == null) {
            if (stopped) {
                throw new IllegalStateException("the p2p component is stopped");
            }
            P2pRelay.AppAuthenticator auth = authenticator != null ? authenticator : (token, device) -> Optional.empty();
            P2pRelay.DeviceAuthenticator devices = deviceAuthenticator != null ? deviceAuthenticator
                    : (device, username, password) -> Optional.of("no device authenticator is configured");
            relay = new P2pRelay(configuration.settings(), auth, devices, vertx).start();
        }
        return relay;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        DeviceId device = "*".equals(remaining) || remaining.isEmpty() ? null : DeviceId.parse(remaining);
        P2pEndpoint endpoint = new P2pEndpoint(uri, this, device);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        synchronized (this) {
            stopped = false;
        }
        relay();
    }

    @Override
    protected synchronized void doStop() throws Exception {
        stopped = true;
        if (relay != null) {
            relay.close();
            relay = null;
        }
        super.doStop();
    }
}
