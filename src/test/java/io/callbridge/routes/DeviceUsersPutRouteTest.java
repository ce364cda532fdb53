package io.callbridge.routes;

import java.util.List;

/** {@code device-users-put}: PUT a device's users. */
class DeviceUsersPutRouteTest extends BeanStepRouteTest {
    DeviceUsersPutRouteTest() {
        super("device-users-put", List.of("deviceUsers.put"), null);
    }
}
