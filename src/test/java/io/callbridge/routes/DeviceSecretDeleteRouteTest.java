package io.callbridge.routes;

import java.util.List;

/** {@code device-secret-delete}: DELETE a device's secret. */
class DeviceSecretDeleteRouteTest extends BeanStepRouteTest {
    DeviceSecretDeleteRouteTest() {
        super("device-secret-delete", List.of("deviceSecrets.delete"), null);
    }
}
