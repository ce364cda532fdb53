package io.callbridge.camel;

import io.callbridge.call.Call;
import io.callbridge.call.CallQuery;
import io.callbridge.call.CallService;
import io.callbridge.call.CallState;
import io.callbridge.call.CallStore;
import io.callbridge.call.Decision;
import io.callbridge.call.DevicePresence;
import io.callbridge.call.DeviceState;
import io.callbridge.thing.DeviceId;
import jakarta.annotation.PreDestroy;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Presence from the embedded broker's own connections; on an external broker, which does not say, from how recent
 * the device's last report is ({@code callbridge.mqtt.presence-seen-within}).
 */
@ApplicationScoped
public class BrokerPresence implements DevicePresence {

    private static final Logger LOG = Logger.getLogger(BrokerPresence.class);
    private static final int SWEEP_PAGE = 500;

    @Inject
    MqttBroker broker;

    @Inject
    CallService calls;

    @Inject
    CallBridgeConfig config;

    @Inject
    AppPushes pushes;

    private final Clock clock = Clock.systemUTC();
    private final ScheduledExecutorService graces = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "callbridge-offline-grace");
        t.setDaemon(true);
        return t;
    });

    /**
     * The embedded broker says a client signed in or left; a registered device's apps are told, and a call of a
     * device that stays away for the grace ends OFFLINE.
     */
    void changed(String clientId, boolean online) {
        calls.store().deviceByClientId(clientId).map(CallStore.Registered::device).ifPresent(device -> {
            LOG.debugf("Device %s %s", device, online ? "connected" : "disconnected");
            pushes.presence(device, online);
            if (!online && calls.store().active(device).isPresent()) {
                graces.schedule(() -> endIfStillAway(device), config.call().offlineGrace().toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        });
    }

    private void endIfStillAway(DeviceId device) {
        try {
            if (!online(device)) {
                Decision d = calls.offline(device);
                if (!d.unchanged() && d.after() != null) {
                    LOG.infof("Call %s on %s ended OFFLINE: the device left the broker and is not back after %s",
                            d.after().id(), device, config.call().offlineGrace());
                }
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "Ending the call of %s, gone offline, failed", device);
        }
    }

    /**
     * After a start the embedded broker is new: a device whose call was active and that has not come back within
     * the grace is as gone as one seen leaving, so its call ends OFFLINE too (the grace survives a restart).
     */
    void started(@Observes StartupEvent event) {
        if (broker.embedded()) {
            graces.schedule(this::sweep, config.call().offlineGrace().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void sweep() {
        // Collected first: ending calls while paging through them would shift the pages.
        java.util.Set<DeviceId> devices = new java.util.LinkedHashSet<>();
        for (CallState state : List.of(CallState.RINGING, CallState.ACCEPTED, CallState.CONNECTED)) {
            for (int offset = 0; ; offset += SWEEP_PAGE) {
                List<Call> page = calls.store().search(new CallQuery(null, null, state, null, null, null, SWEEP_PAGE,
                        offset));
                page.forEach(c -> devices.add(c.device()));
                if (page.size() < SWEEP_PAGE) {
                    break;
                }
            }
        }
        devices.forEach(this::endIfStillAway);
    }

    @PreDestroy
    void stop() {
        graces.shutdownNow();
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
