package io.callbridge.call;

import io.callbridge.thing.DeviceId;

/** Whether a device is connected now, as far as CallBridge can know it from its broker. */
public interface DevicePresence {

    boolean online(DeviceId device);
}
