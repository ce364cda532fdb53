package io.callbridge.routes;

import java.util.List;

/** {@code app-get-device-data}: AppGetDeviceData: the API bean answers from the device's state. */
class AppGetDeviceDataRouteTest extends BeanStepRouteTest {
    AppGetDeviceDataRouteTest() {
        super("app-get-device-data", List.of("appApi.deviceData"), null);
    }
}
