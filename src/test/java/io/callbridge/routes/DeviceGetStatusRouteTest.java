package io.callbridge.routes;

import java.util.List;

/** {@code device-get-status}: get_status: answered down. */
class DeviceGetStatusRouteTest extends BeanStepRouteTest {
    DeviceGetStatusRouteTest() {
        super("device-get-status", List.of("deviceGateway.getStatus"), "direct:device-downlink");
    }
}
