package io.callbridge.app;

import io.callbridge.mqtt.Downlink;
import io.callbridge.push.AppPushHub;
import io.callbridge.push.PushMessages;
import io.callbridge.runtime.CallBridgeConfig;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;

/**
 * What apps are pushed, from the places where it is known to be committed: a device's report once its transition
 * is durable, a control when it leaves the outbox for the device, a device's connection coming or going. With
 * several instances ({@code callbridge.cluster.group}) an app may be connected to any of them, so each push goes
 * through the broker on {@code $thing/callbridge/push/P/D}, which every instance reads (not shared) and hands to
 * its own connections; alone, an instance hands it over directly.
 */
@ApplicationScoped
public class AppPushes {

    private static final long RELAY_DEADLINE_MILLIS = 10_000;
    private static final Logger LOG = Logger.getLogger(AppPushes.class);

    @Inject
    CallBridgeConfig config;

    @Inject
    Downlink downlink;

    private final AppPushHub hub = new AppPushHub();
    /** Fixed for the instance's life, and asked on every report: read once. */
    private boolean clustered;

    public AppPushHub hub() {
        return hub;
    }

    @PostConstruct
    void init() {
        clustered = config.cluster().group().filter(g -> !g.isBlank()).isPresent();
    }

    void started(@Observes StartupEvent event) {
        if (clustered) {
            downlink.watch(Topics.PUSH_RELAY_FILTER, this::relayed);
        }
    }

    public void report(DeviceId device, String topic, byte[] payload) {
        send(device, PushMessages.Change.REPORT, topic, payload);
    }

    public void event(DeviceId device, String topic, byte[] payload) {
        send(device, PushMessages.Change.EVENT, topic, payload);
    }

    public void control(DeviceId device, String topic, byte[] payload) {
        send(device, PushMessages.Change.CONTROL, topic, payload);
    }

    /** {@code everyInstanceHears}: every instance learns of it itself, so none relays it to the others. */
    public void presence(DeviceId device, boolean online, boolean everyInstanceHears) {
        send(device, online ? PushMessages.Change.ONLINE : PushMessages.Change.OFFLINE, "", PushMessages.presence(
                device, online), everyInstanceHears);
    }

    private void send(DeviceId device, PushMessages.Change change, String topic, byte[] payload) {
        send(device, change, topic, payload, false);
    }

    private void send(DeviceId device, PushMessages.Change change, String topic, byte[] payload, boolean here) {
        if (clustered && !here) {
            String text = PushMessages.deviceChange(device, change, topic, payload, hub.nextSeq(),
                    System.currentTimeMillis());
            if (!downlink.send(Topics.pushRelay(device),
                    text.getBytes(StandardCharsets.UTF_8), System.currentTimeMillis() + RELAY_DEADLINE_MILLIS, 0,
                    null)) {
                LOG.debugf("App push for %s not relayed: the downlink is full", device);
            }
        } else if (hub.watched(device)) {
            hub.push(device, seq -> PushMessages.deviceChange(device, change, topic, payload, seq,
                    System.currentTimeMillis()));
        }
    }

    /** A push any instance made, for this instance's connections. */
    private void relayed(String topic, byte[] payload) {
        Topics.deviceOfPushRelay(topic).filter(hub::watched).ifPresent(device -> {
            String text = new String(payload, StandardCharsets.UTF_8);
            hub.push(device, seq -> text);
        });
    }
}
