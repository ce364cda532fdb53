package io.callbridge.camel;

import io.callbridge.push.AppPushHub;
import io.callbridge.push.PushMessages;
import io.callbridge.thing.DeviceId;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * What apps are pushed, from the places where it is known to be committed: a device's report once its transition
 * is durable, a control when it leaves the outbox for the device, a device's connection coming or going.
 */
@ApplicationScoped
public class AppPushes {

    private final AppPushHub hub = new AppPushHub();

    public AppPushHub hub() {
        return hub;
    }

    public void report(DeviceId device, String topic, byte[] payload) {
        send(device, PushMessages.Change.REPORT, topic, payload);
    }

    public void control(DeviceId device, String topic, byte[] payload) {
        send(device, PushMessages.Change.CONTROL, topic, payload);
    }

    public void presence(DeviceId device, boolean online) {
        send(device, online ? PushMessages.Change.ONLINE : PushMessages.Change.OFFLINE, "", PushMessages.presence(
                device, online));
    }

    private void send(DeviceId device, PushMessages.Change change, String topic, byte[] payload) {
        if (hub.watched(device)) {
            hub.push(device, seq -> PushMessages.deviceChange(device, change, topic, payload, seq,
                    System.currentTimeMillis()));
        }
    }
}
