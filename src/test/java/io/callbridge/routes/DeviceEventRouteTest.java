package io.callbridge.routes;

import java.util.List;

/** {@code device-event}: event_post: webhook and push, then event_reply down. */
class DeviceEventRouteTest extends BeanStepRouteTest {
    DeviceEventRouteTest() {
        super("device-event", List.of("deviceGateway.event"), "direct:device-downlink");
    }
}
