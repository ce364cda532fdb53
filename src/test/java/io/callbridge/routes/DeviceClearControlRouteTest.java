package io.callbridge.routes;

import java.util.List;

/** {@code device-clear-control}: clear_control: forgotten, then the reply down. */
class DeviceClearControlRouteTest extends BeanStepRouteTest {
    DeviceClearControlRouteTest() {
        super("device-clear-control", List.of("deviceGateway.clearControl"), "direct:device-downlink");
    }
}
