package io.callbridge.routes;

import java.util.List;

/** {@code call-records}: GET /api/calls: the records bean searches. */
class CallRecordsRouteTest extends BeanStepRouteTest {
    CallRecordsRouteTest() {
        super("call-records", List.of("callRecords.search"), null);
    }
}
