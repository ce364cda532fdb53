package io.callbridge.routes;

import io.callbridge.api.ApiException;
import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.model.ModelCamelContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code app-errors}: in each route that names it, a refused request (an {@link ApiException}) is answered by the
 * bean's {@code refused}, any other failure by its {@code failed}; the exchange ends handled, so the app gets the
 * error body and never an HTTP 500.
 */
class AppErrorsRouteTest extends RouteTestSupport {

    /** The API bean as the routes see it: every Action refuses, or fails as the database would. */
    public static final class FailingApi {
        final boolean refuse;
        volatile String answeredWith;

        FailingApi(boolean refuse) {
            this.refuse = refuse;
        }

        private void step() {
            if (refuse) {
                throw new ApiException(ApiException.INVALID_ACCESS_TOKEN, "the access token is not valid");
            }
            throw new IllegalStateException("the database is unreachable");
        }

        public void control(Exchange exchange) {
            step();
        }

        public void deviceData(Exchange exchange) {
            step();
        }

        public void deviceStatuses(Exchange exchange) {
            step();
        }

        public void user(Exchange exchange) {
            step();
        }

        public void refused(Exchange exchange) {
            Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            answeredWith = "refused: " + e.getMessage();
            exchange.getMessage().setBody(answeredWith);
        }

        public void failed(Exchange exchange) {
            Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            answeredWith = "failed: " + e.getMessage();
            exchange.getMessage().setBody(answeredWith);
        }
    }

    @ParameterizedTest(name = "{0}, refused {1}")
    @CsvSource({
        "app-control, true", "app-control, false",
        "app-get-device-data, true", "app-get-device-data, false",
        "app-get-device-statuses, true", "app-get-device-statuses, false",
        "app-get-user, true", "app-get-user, false",
    })
    void aRefusedOrFailedRequestIsAnsweredAndHandled(String routeId, boolean refuse) throws Exception {
        FailingApi api = new FailingApi(refuse);
        context.getRegistry().bind("appApi", api);
        start(routeId, a -> {
        });
        assertEquals("app-errors", context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                .getRouteDefinition(routeId).getRouteConfigurationId(), routeId + " names app-errors");
        NotifyBuilder done = new NotifyBuilder(context).fromRoute(routeId).whenCompleted(1).create();

        Exchange out = template.send("direct:" + routeId, e -> e.getMessage().setBody("{}"));

        assertTrue(done.matches(5, TimeUnit.SECONDS), routeId + " completed");
        assertNull(out.getException(), "handled: the REST consumer answers the body");
        String expected = refuse ? "refused: the access token is not valid" : "failed: the database is unreachable";
        assertEquals(expected, out.getMessage().getBody(String.class));
        assertEquals(expected, api.answeredWith);
    }
}
