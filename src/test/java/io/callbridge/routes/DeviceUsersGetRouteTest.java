package io.callbridge.routes;

import java.util.List;

/** {@code device-users-get}: GET a device's users. */
class DeviceUsersGetRouteTest extends BeanStepRouteTest {
    DeviceUsersGetRouteTest() {
        super("device-users-get", List.of("deviceUsers.get"), null);
    }
}
