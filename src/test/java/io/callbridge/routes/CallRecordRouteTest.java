package io.callbridge.routes;

import java.util.List;

/** {@code call-record}: GET /api/calls/{callId}: the records bean. */
class CallRecordRouteTest extends BeanStepRouteTest {
    CallRecordRouteTest() {
        super("call-record", List.of("callRecords.one"), null);
    }
}
