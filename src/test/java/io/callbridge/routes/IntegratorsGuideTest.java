package io.callbridge.routes;

import io.callbridge.testing.DocSnippets;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/integrators.md, done as it says on a copy of routes/: its new uplink branch and its new route file, taken
 * from the page as written, pass the file check, load into Camel, and a door_opened message reaches the new route.
 */
class IntegratorsGuideTest extends RouteTestSupport {

    @TempDir
    Path copy;

    private String branch;
    private String newRoute;
    private String testRow;

    @BeforeEach
    void readTheGuide() throws Exception {
        for (String[] block : DocSnippets.blocks(Files.readString(Path.of("docs/integrators.md")))) {
            if (block[0].equals("yaml") && block[1].startsWith("- expression:") && block[1].contains("door_opened")) {
                branch = block[1];
            } else if (block[0].equals("yaml") && block[1].contains("id: device-door-opened")) {
                newRoute = block[1];
            } else if (block[0].equals("java") && block[1].startsWith("\"door_opened,")) {
                testRow = block[1].trim();
            }
        }
        assertTrue(branch != null && newRoute != null && testRow != null, "the guide's snippets");
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        // Step 1: the branch before the uplink's otherwise, at the indentation of its other branches; the new file.
        Path uplink = copy.resolve("device-uplink.camel.yaml");
        List<String> lines = new ArrayList<>(Files.readAllLines(uplink));
        String indent = lines.stream().filter(l -> l.trim().equals("- expression:")).findFirst().orElseThrow()
                .replaceAll("-.*", "");
        int otherwise = lines.indexOf(lines.stream().filter(l -> l.trim().equals("otherwise:")).findFirst()
                .orElseThrow());
        lines.addAll(otherwise, branch.lines().map(l -> indent + l).toList());
        Files.write(uplink, lines);
        Files.writeString(copy.resolve("device-door-opened.camel.yaml"), newRoute);
    }

    @Test
    void theEditedFilesPassTheFileCheck() throws Exception {
        for (String f : new String[] {"device-uplink.camel.yaml", "device-door-opened.camel.yaml"}) {
            assertEquals(List.of(), RouteFilesTest.problems(copy.resolve(f), Files.readString(copy.resolve(f))));
        }
    }

    @Test
    void aDoorOpenedMessageReachesTheNewRoute() throws Exception {
        // Step 2's row of DeviceUplinkRouteTest, as the guide writes it.
        String[] row = testRow.replaceAll("[\",]+$", "").replace("\"", "").split(",\\s*");
        assertEquals(List.of("door_opened", "property", "direct:device-door-opened", "0"), List.of(row));

        context.getRegistry().bind("deviceGateway", new DeviceUplinkRouteTest.Gateway());
        load(context, copy.resolve("device-uplink.camel.yaml"));
        load(context, copy.resolve("device-door-opened.camel.yaml"));
        AdviceWith.adviceWith(context, "device-uplink", a -> a.replaceFromWith("direct:uplink"));
        AdviceWith.adviceWith(context, "device-door-opened", a -> a.weaveAddLast().to("mock:noted"));
        context.start();
        getMockEndpoint("mock:noted").expectedMessageCount(1);
        getMockEndpoint("mock:noted").expectedHeaderReceived("CallBridgeDevice", "P1/door");
        template.sendBodyAndHeaders("direct:uplink", "{\"method\":\"door_opened\"}", Map.of("CallBridgeMethod",
                row[0], "CallBridgeThingKind", row[1], "CallBridgeDevice", "P1/door"));
        MockEndpoint.assertIsSatisfied(context);
    }
}
