package io.callbridge.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.test.junit6.CamelTestSupport;
import org.apache.camel.util.function.ThrowingConsumer;

/**
 * One route file, as it is under {@code routes/}, in a plain Camel context: no Quarkus, no broker, no network. The
 * test binds the beans the route calls, replaces the route's {@code from} and mocks the endpoints it sends to
 * ({@link AdviceWith}), then starts the context. What an integrator copies to test a route they changed.
 */
public abstract class RouteTestSupport extends CamelTestSupport {

    @Override
    public boolean isUseAdviceWith() {
        return true; // the context starts once the test has advised the route
    }

    /** Loads {@code routes/<file>} into the context, as CallBridge does at start-up (not started yet). */
    protected static void load(CamelContext context, String file) throws Exception {
        load(context, java.nio.file.Path.of("routes", file));
    }

    /**
     * Loads a route file from anywhere (a copy of routes/ being edited), after the route configuration it names
     * ({@code routeConfigurationId}, a file of its own beside it): its error handling is part of the route.
     */
    protected static void load(CamelContext context, java.nio.file.Path file) throws Exception {
        java.util.regex.Matcher config = java.util.regex.Pattern.compile("(?m)^\\s*routeConfigurationId: *(\\S+)")
                .matcher(java.nio.file.Files.readString(file));
        ModelCamelContext model = context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class);
        while (config.find()) {
            String id = config.group(1);
            if (model.getRouteConfigurationDefinition(id) == null) {
                load(context, file.resolveSibling(id + ".camel.yaml"));
            }
        }
        Resource resource = PluginHelper.getResourceLoader(context).resolveResource("file:" + file);
        PluginHelper.getRoutesLoader(context).loadRoutes(resource);
    }

    /** Loads the route file named after {@code routeId}, advises the route, and starts the context. */
    protected void start(String routeId, ThrowingConsumer<AdviceWithRouteBuilder, Exception> advice) throws Exception {
        load(context, routeId + ".camel.yaml");
        AdviceWith.adviceWith(context, routeId, advice);
        context.start();
    }

    protected MockEndpoint mock(String uri) {
        return getMockEndpoint("mock:" + uri);
    }
}
