package io.callbridge.routes;

import java.util.List;

/** {@code device-control-reply}: control_reply: the gateway takes it; nothing goes down. */
class DeviceControlReplyRouteTest extends BeanStepRouteTest {
    DeviceControlReplyRouteTest() {
        super("device-control-reply", List.of("deviceGateway.controlReply"), null);
    }
}
