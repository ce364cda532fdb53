package io.callbridge.routes;

import java.util.List;

/** {@code device-secret-put}: PUT a device's secret. */
class DeviceSecretPutRouteTest extends BeanStepRouteTest {
    DeviceSecretPutRouteTest() {
        super("device-secret-put", List.of("deviceSecrets.put"), null);
    }
}
