package io.callbridge.routes;

import org.apache.camel.Exchange;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.model.ModelCamelContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code device-errors}: in each route that names it, a failing step becomes the bean's failure reply on the
 * downlink; the exchange ends handled (the uplink acknowledges it and takes the next message), and the failed step's
 * own reply is never sent.
 */
class DeviceErrorsRouteTest extends RouteTestSupport {

    /** The gateway as the routes see it: every step fails as the database would. */
    public static final class FailingGateway {
        volatile String failedWith;

        public void report(Exchange exchange) {
            throw new IllegalStateException("the database is unreachable");
        }

        public void reportInfo(Exchange exchange) {
            report(exchange);
        }

        public void event(Exchange exchange) {
            report(exchange);
        }

        public void failed(Exchange exchange) {
            failedWith = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class).getMessage();
            exchange.getMessage().setBody("internal error reply");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"device-report", "device-report-info", "device-event"})
    void aFailingStepIsAnsweredAndHandled(String routeId) throws Exception {
        FailingGateway gateway = new FailingGateway();
        context.getRegistry().bind("deviceGateway", gateway);
        start(routeId, a -> a.mockEndpointsAndSkip("direct:device-downlink"));
        assertEquals("device-errors", context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                .getRouteDefinition(routeId).getRouteConfigurationId(), routeId + " names device-errors");
        MockEndpoint down = mock("direct:device-downlink");
        down.expectedBodiesReceived("internal error reply");
        NotifyBuilder done = new NotifyBuilder(context).fromRoute(routeId).whenCompleted(1).create();

        Exchange out = template.send("direct:" + routeId, e -> e.getMessage().setBody("{}"));

        assertTrue(done.matches(5, TimeUnit.SECONDS), routeId + " completed");
        down.assertIsSatisfied();
        assertNull(out.getException(), "handled: the uplink sees no failure");
        assertEquals("the database is unreachable", gateway.failedWith);
    }
}
