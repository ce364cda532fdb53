package io.callbridge.routes;

import io.callbridge.api.ApiException;
import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code app-api}: each Action reaches its route; a refused request goes nowhere (app-errors answers it); any other is InvalidAction. */
class AppApiRouteTest extends RouteTestSupport {

    private static final List<String> ROUTES = List.of("direct:app-control", "direct:app-get-device-data",
            "direct:app-get-device-statuses", "direct:app-get-user");

    /**
     * The API bean as the route sees it: parse sets CallBridgeAction (here, the test's) or refuses the request (the
     * test's "refused"), unknownAction is noted; app-errors answers a refusal.
     */
    public static final class Api {
        volatile int unknown;
        volatile int refused;

        public void parse(Exchange exchange) {
            if ("refused".equals(exchange.getMessage().getHeader("CallBridgeAction"))) {
                throw new ApiException(ApiException.INVALID_ACCESS_TOKEN, "the access token is not valid");
            }
        }

        public void unknownAction(Exchange exchange) {
            unknown++;
        }

        public void refused(Exchange exchange) {
            refused++;
        }

        public void failed(Exchange exchange) {
            throw new AssertionError("a refusal is not a failure");
        }
    }

    private final Api api = new Api();

    @BeforeEach
    void route() throws Exception {
        context.getRegistry().bind("appApi", api);
        start("app-api", a -> {
            a.replaceFromWith("direct:tokenapi"); // not direct:app-api, which the mocks below would catch
            a.mockEndpointsAndSkip("direct:app-*");
        });
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "AppControlDeviceData, direct:app-control, 0",
        "AppGetDeviceData, direct:app-get-device-data, 0",
        "AppGetDeviceStatuses, direct:app-get-device-statuses, 0",
        "AppGetUser, direct:app-get-user, 0",
        "refused, , 0",
        "AppListDevices, , 1",
    })
    void eachActionReachesItsRoute(String action, String expected, int unknown) throws Exception {
        for (String uri : ROUTES) {
            mock(uri).expectedMessageCount(uri.equals(expected) ? 1 : 0);
        }
        template.sendBodyAndHeader("direct:tokenapi", "{}", "CallBridgeAction", action);
        MockEndpoint.assertIsSatisfied(context);
        assertEquals(unknown, api.unknown);
        assertEquals("refused".equals(action) ? 1 : 0, api.refused, "app-errors answers a refused request");
    }
}
