package io.callbridge.routes;

import java.util.List;

/** {@code device-downlink}: Every down message goes to the publisher. */
class DeviceDownlinkRouteTest extends BeanStepRouteTest {
    DeviceDownlinkRouteTest() {
        super("device-downlink", List.of("deviceDownlink.publish"), null);
    }
}
