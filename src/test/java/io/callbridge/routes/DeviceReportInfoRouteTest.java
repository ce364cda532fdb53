package io.callbridge.routes;

import java.util.List;

/** {@code device-report-info}: report_info: kept, then the reply down. */
class DeviceReportInfoRouteTest extends BeanStepRouteTest {
    DeviceReportInfoRouteTest() {
        super("device-report-info", List.of("deviceGateway.reportInfo"), "direct:device-downlink");
    }
}
