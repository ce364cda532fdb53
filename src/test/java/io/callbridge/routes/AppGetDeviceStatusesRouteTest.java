package io.callbridge.routes;

import java.util.List;

/** {@code app-get-device-statuses}: AppGetDeviceStatuses: the API bean asks presence. */
class AppGetDeviceStatusesRouteTest extends BeanStepRouteTest {
    AppGetDeviceStatusesRouteTest() {
        super("app-get-device-statuses", List.of("appApi.deviceStatuses"), null);
    }
}
