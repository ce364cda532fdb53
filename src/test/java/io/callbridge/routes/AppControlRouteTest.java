package io.callbridge.routes;

import java.util.List;

/** {@code app-control}: AppControlDeviceData: the API bean decides the answer. */
class AppControlRouteTest extends BeanStepRouteTest {
    AppControlRouteTest() {
        super("app-control", List.of("appApi.control"), null);
    }
}
