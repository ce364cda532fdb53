package io.callbridge.routes;

import java.util.List;

/** {@code calls-rest}: the REST operations it offers and the routes they call. */
class CallsRestRouteTest extends RestFileTest {
    CallsRestRouteTest() {
        super("calls-rest", List.of(
                "GET /api/calls/{callId} -> direct:call-record",
                "GET /api/calls -> direct:call-records"));
    }
}
