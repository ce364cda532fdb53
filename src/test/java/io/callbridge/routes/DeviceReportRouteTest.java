package io.callbridge.routes;

import java.util.List;

/** {@code device-report}: A report through the engine, then its report_reply down. */
class DeviceReportRouteTest extends BeanStepRouteTest {
    DeviceReportRouteTest() {
        super("device-report", List.of("deviceGateway.report"), "direct:device-downlink");
    }
}
