package io.callbridge.routes;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The route files in the canonical YAML DSL, the form Kaoto and Camel JBang write: no shorthand for expressions,
 * {@code log} or {@code to}; one route or REST block per file, named after its id; every route, REST block and REST
 * operation with an id and a description; no Java method called from inside an expression (a renamed accessor would
 * break the route only at run time).
 */
class RouteFilesTest {

    private static final Path ROUTES = Path.of("routes");
    // The expression languages a route here might use; in canonical form each is a map holding 'expression'.
    private static final Set<String> LANGUAGES = Set.of("simple", "constant", "header", "exchangeProperty",
            "variable", "jq", "jsonpath", "xpath", "groovy", "ognl", "mvel", "tokenize");
    // Steps whose shorthand (a bare string) Kaoto rewrites as a map.
    private static final Set<String> MAP_STEPS = Set.of("log", "to", "toD", "wireTap", "enrich", "pollEnrich");
    private static final Set<String> REST_VERBS = Set.of("get", "post", "put", "delete", "patch", "head");
    private static final Pattern METHOD_CALL = Pattern.compile("\\$\\{[^}]*\\w\\s*\\(");

    @Test
    void everyRouteFileIsCanonical() throws IOException {
        List<String> problems = new ArrayList<>();
        List<Path> files = files();
        assertFalse(files.isEmpty(), "no route files under " + ROUTES.toAbsolutePath());
        for (Path file : files) {
            problems.addAll(problems(file, Files.readString(file)));
        }
        assertEquals(List.of(), problems);
    }

    /** Each route file has its unit test, named after it: device-report.camel.yaml, DeviceReportRouteTest. */
    @Test
    void everyRouteFileHasItsTest() throws IOException {
        List<String> missing = new ArrayList<>();
        for (Path file : files()) {
            String id = file.getFileName().toString().replaceFirst("\\.camel\\.yaml$", "");
            String test = getClass().getPackageName() + "." + java.util.Arrays.stream(id.split("-"))
                    .map(w -> Character.toUpperCase(w.charAt(0)) + w.substring(1))
                    .collect(java.util.stream.Collectors.joining()) + "RouteTest";
            try {
                Class.forName(test);
            } catch (ClassNotFoundException e) {
                missing.add(file.getFileName() + " has no " + test);
            }
        }
        assertEquals(List.of(), missing);
    }

    @Test
    void theCheckCatchesEachShorthand() {
        String shorthand = """
                - route:
                    id: demo
                    from:
                      uri: direct:demo
                      steps:
                        - log: "hello ${body.length()}"
                        - to: direct:next
                        - choice:
                            when:
                              - simple: "${header.X} == 'a'"
                                steps: []
                        - setHeader:
                            name: Content-Type
                            constant: text/plain
                - rest:
                    path: /x
                    get:
                      - to: direct:demo
                """;
        List<String> found = problems(Path.of("demo.camel.yaml"), shorthand);
        for (String expected : new String[] {"'log' as a bare string", "'to' as a bare string",
                "'simple' as a bare string", "'constant' as a bare string", "calls a method", "rest without an id",
                "rest without a description", "rest operation get without an id", "route demo without a description",
                "two top-level elements"}) {
            assertTrue(found.stream().anyMatch(p -> p.contains(expected)), () -> expected + " not found in " + found);
        }
    }

    private static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(ROUTES)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    static List<String> problems(Path file, String yaml) {
        List<String> problems = new ArrayList<>();
        String name = file.getFileName().toString();
        if (!name.endsWith(".camel.yaml")) {
            problems.add(name + ": a route file is named <id>.camel.yaml");
        }
        String id = name.replaceFirst("\\.camel\\.yaml$", "");
        Object doc = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        if (!(doc instanceof List<?> top)) {
            problems.add(name + ": not a list of routes");
            return problems;
        }
        if (top.size() != 1) {
            problems.add(name + ": two top-level elements (" + top.size() + "): one route or REST block per file");
        }
        for (Object element : top) {
            if (!(element instanceof Map<?, ?> m) || m.size() != 1) {
                problems.add(name + ": each element is one route, rest or routeConfiguration");
                continue;
            }
            Map.Entry<?, ?> e = m.entrySet().iterator().next();
            String kind = String.valueOf(e.getKey());
            Map<?, ?> body = e.getValue() instanceof Map<?, ?> b ? b : Map.of();
            Object elementId = body.get("id");
            if (elementId == null || String.valueOf(elementId).isBlank()) {
                problems.add(name + ": " + kind + " without an id");
            } else if (top.size() == 1 && !id.equals(elementId)) {
                problems.add(name + ": holds " + kind + " " + elementId + ", not " + id);
            }
            if (!(body.get("description") instanceof String d) || d.isBlank()) {
                problems.add(name + ": " + kind + (elementId == null ? "" : " " + elementId) + " without a description");
            }
            if ("rest".equals(kind)) {
                for (String verb : REST_VERBS) {
                    if (body.get(verb) instanceof List<?> ops) {
                        for (Object op : ops) {
                            Map<?, ?> o = op instanceof Map<?, ?> x ? x : Map.of();
                            if (o.get("id") == null) {
                                problems.add(name + ": rest operation " + verb + " without an id");
                            }
                            if (!(o.get("description") instanceof String d) || d.isBlank()) {
                                problems.add(name + ": rest operation " + verb + " " + o.get("id")
                                        + " without a description");
                            }
                        }
                    }
                }
            }
            walk(name, body, problems);
        }
        return problems;
    }

    private static void walk(String file, Object node, List<String> problems) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                Object value = e.getValue();
                if ((LANGUAGES.contains(key) || MAP_STEPS.contains(key)) && !(value instanceof Map)) {
                    problems.add(file + ": '" + key + "' as a bare string (" + value + "): canonical form is a map");
                }
                walk(file, value, problems);
            }
        } else if (node instanceof List<?> l) {
            l.forEach(x -> walk(file, x, problems));
        } else if (node instanceof String s && METHOD_CALL.matcher(s).find()) {
            problems.add(file + ": an expression calls a method (" + s + "): use a bean or a header");
        }
    }
}
