package io.callbridge.device;

import io.callbridge.app.AppPushes;
import io.callbridge.call.Call;
import io.callbridge.call.CallQuery;
import io.callbridge.call.CallService;
import io.callbridge.call.CallState;
import io.callbridge.call.CallStore;
import io.callbridge.call.Decision;
import io.callbridge.call.DevicePresence;
import io.callbridge.call.DeviceState;
import io.callbridge.mqtt.BrokerClientEvents;
import io.callbridge.mqtt.Downlink;
import io.callbridge.runtime.CallBridgeConfig;
import io.callbridge.runtime.MqttBroker;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.camel.quarkus.main.events.BeforeStart;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Presence from the broker: the embedded broker's own connections; on an external broker, what it says on its own
 * topics (Mosquitto's log, EMQX's client events: {@link BrokerClientEvents}). For a device the broker has not
 * spoken of since CallBridge connected (no such topics, or the device connected before), how recent its last report
 * is ({@code callbridge.mqtt.presence-seen-within}).
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

    @Inject
    Downlink downlink;

    /** What the external broker last said of each client id, and when (its time, to drop late news). */
    private final Map<String, BrokerClientEvents.Change> heard = new ConcurrentHashMap<>();
    private final AtomicBoolean spoke = new AtomicBoolean();

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
    public void changed(String clientId, boolean online) {
        changed(clientId, online, false);
    }

    /** {@code everyInstanceHears}: the external broker tells every instance, so each pushes to its own apps only. */
    private void changed(String clientId, boolean online, boolean everyInstanceHears) {
        calls.store().deviceByClientId(clientId).map(CallStore.Registered::device).ifPresent(device -> {
            LOG.debugf("Device %s %s", device, online ? "connected" : "disconnected");
            pushes.presence(device, online, everyInstanceHears);
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
    void watch(@Observes BeforeStart event) {
        if (broker.embedded()) {
            return;
        }
        BrokerClientEvents.FILTERS.forEach(filter -> downlink.watch(filter, (topic, payload) ->
                BrokerClientEvents.parse(topic, payload).ifPresent(change -> graces.execute(() -> heard(change)))));
        // Whatever was said while the connection was down is lost (QoS 0): back to the last report until it speaks.
        downlink.onDisconnect(heard::clear);
    }

    private void heard(BrokerClientEvents.Change change) {
        BrokerClientEvents.Change kept = heard.merge(change.clientId(), change,
                (before, now) -> now.at() != 0 && before.at() > now.at() ? before : now);
        if (kept != change) {
            return; // news older than what the broker already said (EMQX nodes may tell out of order)
        }
        if (spoke.compareAndSet(false, true)) {
            LOG.info("Device presence: the external broker tells of its clients connecting and leaving"
                    + " (docs/brokers.md, presence)");
        }
        try {
            changed(change.clientId(), change.online(), true);
        } catch (RuntimeException e) {
            LOG.warnf(e, "Presence of client %s not applied", change.clientId());
        }
    }

    /** Whether the external broker has told of a client since CallBridge started (the embedded one always does). */
    public boolean brokerTells() {
        return broker.embedded() || spoke.get();
    }

    void started(@Observes StartupEvent event) {
        if (broker.embedded()) {
            Instant start = clock.instant();
            graces.schedule(() -> sweep(start), config.call().offlineGrace().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Only calls from before the start: a later one has its own grace from its device leaving, if it leaves. */
    private void sweep(Instant start) {
        // Collected first: ending calls while paging through them would shift the pages.
        java.util.Set<DeviceId> devices = new java.util.LinkedHashSet<>();
        for (CallState state : List.of(CallState.RINGING, CallState.ACCEPTED, CallState.CONNECTED)) {
            for (int offset = 0; ; offset += SWEEP_PAGE) {
                List<Call> page = calls.store().search(new CallQuery(null, null, state, null, null, start, SWEEP_PAGE,
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
        Optional<Boolean> said = broker.connected(device).or(() -> Optional.ofNullable(
                heard.get(DeviceCredentials.clientId(device))).map(BrokerClientEvents.Change::online));
        return said.orElseGet(() -> calls.store().deviceState(device)
                .flatMap(s -> s.reported().values().stream().map(DeviceState.Reported::lastUpdate)
                        .max(Long::compare))
                .map(last -> clock.millis() - last <= config.mqtt().presenceSeenWithin().toMillis())
                .orElse(false));
    }
}
