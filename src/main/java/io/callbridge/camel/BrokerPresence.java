package io.callbridge.camel;

import io.callbridge.call.CallService;
import io.callbridge.call.DevicePresence;
import io.callbridge.call.DeviceState;
import io.callbridge.thing.DeviceId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;

/**
 * Presence from the embedded broker's own connections; on an external broker, which does not say, from how recent
 * the device's last report is ({@code callbridge.mqtt.presence-seen-within}).
 */
@ApplicationScoped
public class BrokerPresence implements DevicePresence {

    @Inject
    MqttBroker broker;

    @Inject
    CallService calls;

    @Inject
    CallBridgeConfig config;

    private final Clock clock = Clock.systemUTC();

    @Override
    public boolean online(DeviceId device) {
        return broker.connected(device).orElseGet(() -> calls.store().deviceState(device)
                .flatMap(s -> s.reported().values().stream().map(DeviceState.Reported::lastUpdate)
                        .max(Long::compare))
                .map(last -> clock.millis() - last <= config.mqtt().presenceSeenWithin().toMillis())
                .orElse(false));
    }
}
