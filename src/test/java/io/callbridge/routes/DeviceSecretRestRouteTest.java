package io.callbridge.routes;

import java.util.List;

/** {@code device-secret-rest}: the REST operations it offers and the routes they call. */
class DeviceSecretRestRouteTest extends RestFileTest {
    DeviceSecretRestRouteTest() {
        super("device-secret-rest", List.of(
                "PUT /api/devices/{productId}/{deviceName}/secret -> direct:device-secret-put",
                "DELETE /api/devices/{productId}/{deviceName}/secret -> direct:device-secret-delete"));
    }
}
