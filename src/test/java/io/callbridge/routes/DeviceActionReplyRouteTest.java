package io.callbridge.routes;

import java.util.List;

/** {@code device-action-reply}: action_reply: taken, never answered. */
class DeviceActionReplyRouteTest extends BeanStepRouteTest {
    DeviceActionReplyRouteTest() {
        super("device-action-reply", List.of("deviceGateway.actionReply"), null);
    }
}
