package io.callbridge.routes;

import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.rest.RestDefinition;
import org.apache.camel.model.rest.VerbDefinition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A REST file: which operations it offers ("VERB /path -> endpoint", the operation's id being the route it calls),
 * read from the file as Camel loads it. The operations themselves are served end to end by the Quarkus tests.
 */
abstract class RestFileTest extends RouteTestSupport {

    private final String restId;
    private final List<String> operations;

    RestFileTest(String restId, List<String> operations) {
        this.restId = restId;
        this.operations = operations;
    }

    @Test
    void offersItsOperations() throws Exception {
        load(context, restId + ".camel.yaml");
        List<RestDefinition> rests = context.getCamelContextExtension().getContextPlugin(ModelCamelContext.class)
                .getRestDefinitions();
        assertEquals(1, rests.size());
        RestDefinition rest = rests.get(0);
        assertEquals(restId, rest.getId());
        List<String> offered = new ArrayList<>();
        for (VerbDefinition v : rest.getVerbs()) {
            String path = rest.getPath() + (v.getPath() == null ? "" : v.getPath());
            String to = v.getTo().getEndpointUri();
            offered.add(v.asVerb().toUpperCase() + " " + path + " -> " + to);
            assertEquals("direct:" + v.getId(), to, "operation " + v.getId() + " is named after the route it calls");
        }
        assertEquals(operations, offered);
    }
}
