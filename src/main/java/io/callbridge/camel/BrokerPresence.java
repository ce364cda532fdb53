package io.callbridge.camel;

import io.callbridge.call.CallService;
import io.callbridge.call.CallStore;
import io.callbridge.call.DevicePresence;
import io.callbridge.call.DeviceState;
import io.callbridge.thing.DeviceId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import java.time.Clock;

/**
 * Presence from the embedded broker's own connections; on an external broker, which does not say, from how recent
 * the device's last report is ({@code callbridge.mqtt.presence-seen-within}).
 */
@ApplicationScoped
public class BrokerPresence implements DevicePresence {

    private static final Logger LOG = Logger.getLogger(BrokerPresence.class);

    @Inject
    MqttBroker broker;

    @Inject
    CallService calls;

    @Inject
    CallBridgeConfig config;

    @Inject
    AppPushes pushes;

    private final Clock clock = Clock.systemUTC();

    /** The embedded broker says a client signed in or left; a registered device's apps are told. */
    void changed(String clientId, boolean online) {
        calls.store().deviceByClientId(clientId).map(CallStore.Registered::device).ifPresent(device -> {
            LOG.debugf("Device %s %s", device, online ? "connected" : "disconnected");
            pushes.presence(device, online);
        });
    }

    @Override
    public boolean online(DeviceId device) {
        return broker.connected(device).orElseGet(() -> calls.store().deviceState(device)
                .flatMap(s -> s.reported().values().stream().map(DeviceState.Reported::lastUpdate)
                        .max(Long::compare))
                .map(last -> clock.millis() - last <= config.mqtt().presenceSeenWithin().toMillis())
                .orElse(false));
    }
}
