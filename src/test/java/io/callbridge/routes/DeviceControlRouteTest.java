package io.callbridge.routes;

import java.util.List;

/** {@code device-control}: A control from the outbox goes down. */
class DeviceControlRouteTest extends BeanStepRouteTest {
    DeviceControlRouteTest() {
        super("device-control", List.of("deviceGateway.control"), "direct:device-downlink");
    }
}
