package io.callbridge.routes;

import java.util.List;

/** {@code device-users-rest}: the REST operations it offers and the routes they call. */
class DeviceUsersRestRouteTest extends RestFileTest {
    DeviceUsersRestRouteTest() {
        super("device-users-rest", List.of(
                "GET /api/devices/{productId}/{deviceName}/users -> direct:device-users-get",
                "PUT /api/devices/{productId}/{deviceName}/users -> direct:device-users-put"));
    }
}
