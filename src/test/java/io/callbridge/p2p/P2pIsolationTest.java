package io.callbridge.p2p;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.testing.WsClient;
import io.callbridge.thing.DeviceId;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What is slow for one holds no one else up: a user lookup that stalls (the database) during one app's upgrade, and
 * a route that stalls on one device's events, while another device and its app go on talking over the relay.
 */
class P2pIsolationTest {

    static final DeviceId OTHER = new DeviceId("OIUYKJHGBV", "device02");

    final CountDownLatch release = new CountDownLatch(1);
    final List<Exchange> events = new CopyOnWriteArrayList<>();
    CamelContext camel;
    P2pComponent component;
    String base;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        component = P2pComponentTest.newComponent();
        component.getConfiguration().setMaxConnections(20);
        P2pRelay.AppAuthenticator users = component.getAuthenticator();
        // "t-stalled" is looked up in a database that does not answer until the test lets it.
        component.setAuthenticator((token, device) -> {
            if (token.equals("t-stalled")) {
                await(release);
            }
            return users.user(token, device);
        });
        camel.addComponent("p2p", component);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // The route stalls on OTHER's events, as one whose database write hangs would.
                from("p2p:*").process(e -> {
                    if (OTHER.toString().equals(e.getMessage().getHeader(P2pConstants.DEVICE))) {
                        await(release);
                    }
                    events.add(e);
                });
            }
        });
        camel.start();
        base = "ws://127.0.0.1:" + component.relay().port() + "/p2p/";
    }

    @AfterEach
    void stop() {
        release.countDown();
        camel.stop();
    }

    @Test
    void aStalledUserLookupHoldsUpOnlyItsOwnUpgrade() throws Exception {
        try (WsClient device = P2pComponentTest.device(component, base, P2pComponentTest.DEVICE)) {
            CompletableFuture<WsClient> stalled = CompletableFuture.supplyAsync(() -> connect("t-stalled"));
            Awaitility.await().until(() -> component.relay().connections() == 2);
            try (WsClient app = WsClient.connect(base + "app/" + P2pComponentTest.DEVICE, "t-20001")) {
                answersACommand(device, app);
            }
            assertFalse(stalled.isDone(), "the stalled upgrade waits for its lookup");
            release.countDown();
            try (WsClient late = stalled.get(10, TimeUnit.SECONDS)) {
                answersACommand(device, late);
            }
        }
    }

    @Test
    void aRouteStalledOnOneDevicesEventsHoldsUpNoOtherDevice() throws Exception {
        List<WsClient> open = new java.util.ArrayList<>();
        try (WsClient other = P2pComponentTest.device(component, base, OTHER)) {
            // Eight devices, each with its app, more than the consumer's workers: all go on while OTHER's route waits.
            for (int i = 0; i < 8; i++) {
                DeviceId d = new DeviceId("OIUYKJHGBV", "busy" + i);
                WsClient device = P2pComponentTest.device(component, base, d);
                WsClient app = WsClient.connect(base + "app/" + d, "t-2000" + i);
                open.add(device);
                open.add(app);
                answersACommand(device, app);
            }
            for (int i = 0; i < 8; i++) {
                DeviceId d = new DeviceId("OIUYKJHGBV", "busy" + i);
                Awaitility.await().until(() -> types(d).containsAll(
                        List.of("DEVICE_CONNECTED", "APP_CONNECTED", "COMMAND", "ANSWER")));
            }
            assertEquals(List.of(), types(OTHER), "OTHER's route is still stalled");
            release.countDown();
            Awaitility.await().until(() -> types(OTHER).equals(List.of("DEVICE_CONNECTED")));
        } finally {
            open.forEach(WsClient::close);
        }
    }

    private void answersACommand(WsClient device, WsClient app) {
        String id = "c-" + System.nanoTime();
        app.send("{\"type\":\"command\",\"id\":\"" + id + "\",\"command\":\"" + P2pComponentTest.GET_ST + "\"}");
        JsonNode command = device.await(m -> "command".equals(m.path("type").asText())
                && m.path("command").asText().equals(P2pComponentTest.GET_ST) && !m.path("id").asText().isEmpty()
                && !answered.contains(m.path("id").asText()));
        answered.add(command.path("id").asText());
        device.send("{\"type\":\"answer\",\"id\":\"" + command.path("id").asText()
                + "\",\"answer\":\"[{\\\"status\\\":0,\\\"appConnectNum\\\":1}]\"}");
        JsonNode answer = app.await(m -> "answer".equals(m.path("type").asText()) && id.equals(m.path("id").asText()));
        assertTrue(answer.path("answer").asText().contains("appConnectNum"), answer::toString);
    }

    private final List<String> answered = new CopyOnWriteArrayList<>();

    private List<String> types(DeviceId device) {
        return events.stream().filter(e -> device.toString().equals(e.getMessage().getHeader(P2pConstants.DEVICE)))
                .map(e -> e.getMessage().getHeader(P2pConstants.EVENT_TYPE, String.class)).toList();
    }

    private WsClient connect(String token) {
        try {
            return WsClient.connect(base + "app/" + P2pComponentTest.DEVICE, token);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
