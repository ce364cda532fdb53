package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.util.Map;

/** What the engine asks the outside world to do after a transition. */
public sealed interface Effect {

    /** {@code control} or {@code event}, for routes to choose on. */
    String kind();

    /** Publish a {@code control} to the device's down topic (protocol step 4.1). */
    record Control(DeviceId device, String clientToken, Map<String, Object> params) implements Effect {
        public Control {
            params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        }

        @Override
        public String kind() {
            return "control";
        }
    }

    /** Tell the app side (webhooks). */
    record Event(CallEvent event) implements Effect {
        @Override
        public String kind() {
            return "event";
        }
    }
}
