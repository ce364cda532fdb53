package io.callbridge.routes;

import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code device-uplink}: each method, on the topic kind it came on, reaches its step's route; a malformed message
 * goes straight to the downlink (its reply), an ignored one nowhere, anything else is answered "unsupported".
 */
class DeviceUplinkRouteTest extends RouteTestSupport {

    private static final List<String> ROUTES = List.of("direct:device-report", "direct:device-downlink",
            "direct:device-event", "direct:device-action-reply", "direct:device-get-status",
            "direct:device-control-reply", "direct:device-clear-control", "direct:device-report-info");

    /** The gateway as the route sees it: parse sets the headers (here, the test's), unsupported is noted. */
    public static final class Gateway {
        volatile int unsupported;

        public void parse(Exchange exchange) {
            // the test sends CallBridgeMethod and CallBridgeThingKind as the real parse would set them
        }

        public void unsupported(Exchange exchange) {
            unsupported++;
            exchange.getMessage().setBody("501 " + exchange.getMessage().getHeader("CallBridgeMethod"));
        }
    }

    private final Gateway gateway = new Gateway();

    @BeforeEach
    void route() throws Exception {
        context.getRegistry().bind("deviceGateway", gateway);
        start("device-uplink", a -> {
            a.replaceFromWith("direct:uplink");
            a.mockEndpointsAndSkip("direct:device-*");
        });
    }

    @ParameterizedTest(name = "{0} on {1} -> {2}")
    @CsvSource({
        "report, property, direct:device-report, 0",
        "malformed, property, direct:device-downlink, 0",
        "ignored, property, , 0",
        "event_post, event, direct:device-event, 0",
        "action_reply, action, direct:device-action-reply, 0",
        "report, event, direct:device-downlink, 1",
        "get_status, property, direct:device-get-status, 0",
        "control_reply, property, direct:device-control-reply, 0",
        "clear_control, property, direct:device-clear-control, 0",
        "report_info, property, direct:device-report-info, 0",
        "update_firmware, property, direct:device-downlink, 1",
    })
    void eachMethodReachesItsStep(String method, String kind, String expected, int unsupported) throws Exception {
        for (String uri : ROUTES) {
            mock(uri).expectedMessageCount(uri.equals(expected) ? 1 : 0);
        }
        template.sendBodyAndHeaders("direct:uplink", "{}", Map.of("CallBridgeMethod", method,
                "CallBridgeThingKind", kind));
        MockEndpoint.assertIsSatisfied(context);
        assertEquals(unsupported, gateway.unsupported);
    }
}
