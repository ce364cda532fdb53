package io.callbridge.routes;

import org.apache.camel.builder.AdviceWith;
import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A route that hands the message to its beans in order and then, perhaps, to one next step: the test checks the
 * beans the file names (bean and method, as the Java code must offer them), then sends a message through with the
 * beans and the next step mocked, and checks it passed each once.
 */
abstract class BeanStepRouteTest extends RouteTestSupport {

    private final String routeId;
    private final List<String> beans;
    private final String next;

    /** {@code beans}: "ref.method" in order; {@code next}: the endpoint the route ends with, or null. */
    BeanStepRouteTest(String routeId, List<String> beans, String next) {
        this.routeId = routeId;
        this.beans = beans;
        this.next = next;
    }

    @Test
    void callsItsBeansThenItsNextStep() throws Exception {
        load(context, routeId + ".camel.yaml");
        RouteDefinition route = context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                .getRouteDefinition(routeId);
        List<String> declared = new ArrayList<>();
        collectBeans(route.getOutputs(), declared);
        assertEquals(beans, declared, "the beans " + routeId + " calls");

        String in = route.getInput().getEndpointUri().startsWith("direct:") ? route.getInput().getEndpointUri()
                : "direct:" + routeId;
        AdviceWith.adviceWith(context, routeId, a -> {
            if (!in.equals(route.getInput().getEndpointUri())) {
                a.replaceFromWith(in);
            }
            a.weaveByType(BeanDefinition.class).replace().to("mock:bean");
            if (next != null) {
                a.mockEndpointsAndSkip(next);
            }
        });
        context.start();
        mock("bean").expectedMessageCount(beans.size());
        if (next != null) {
            mock(next).expectedMessageCount(1);
        }
        template.sendBody(in, "{}");
        MockEndpoint.assertIsSatisfied(context);
    }

    private static void collectBeans(List<ProcessorDefinition<?>> outputs, List<String> into) {
        for (ProcessorDefinition<?> p : outputs) {
            if (p instanceof OnExceptionDefinition) {
                continue; // the route configuration's error handling: DeviceErrorsRouteTest's
            }
            if (p instanceof BeanDefinition b) {
                into.add(b.getRef() + "." + b.getMethod());
            }
            collectBeans(p.getOutputs(), into);
        }
    }
}
