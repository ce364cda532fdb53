package io.callbridge.p2p;

import com.fasterxml.jackson.databind.JsonNode;
import io.callbridge.testing.WsClient;
import io.vertx.core.Vertx;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The component as Camel configures and runs it: options from a URI, the Vert.x it is given, stop and start, timeouts. */
class P2pEndpointTest {

    final List<Exchange> events = new CopyOnWriteArrayList<>();
    final List<Vertx> lookedUpOn = new CopyOnWriteArrayList<>();
    Vertx vertx;
    CamelContext camel;
    P2pComponent component;
    String base;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        camel = new DefaultCamelContext();
        component = P2pComponentTest.newComponent();
        component.setVertx(vertx);
        P2pRelay.AppAuthenticator users = component.getAuthenticator();
        component.setAuthenticator((token, device) -> {
            lookedUpOn.add(Vertx.currentContext().owner());
            return users.user(token, device);
        });
        camel.addComponent("p2p", component);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("p2p:*?workers=2").routeId("events").process(events::add);
            }
        });
        camel.start();
        base = "ws://127.0.0.1:" + component.relay().port() + "/p2p/";
    }

    @AfterEach
    void stop() {
        camel.stop();
        vertx.close();
    }

    @Test
    void optionsComeFromTheUri() {
        P2pEndpoint e = camel.getEndpoint("p2p:OIUYKJHGBV/device01?cmd=get_device_st&type=voice&timeout=2s&workers=3",
                P2pEndpoint.class);
        assertEquals(P2pComponentTest.DEVICE, e.getDevice());
        assertEquals(2000, e.getTimeout());
        assertEquals(3, e.getWorkers());
        assertEquals("action=inner_define&channel=0&cmd=get_device_st&type=voice&quality=standard", e.command());
        assertThrows(ResolveEndpointFailedException.class, () -> camel.getEndpoint("p2p:*?workers=0"));
        assertThrows(ResolveEndpointFailedException.class, () -> camel.getEndpoint("p2p:*?noSuchOption=1"));
    }

    /** What camel.component.p2p.* does: the generated configurer binds the relay's options, Durations as "3s". */
    @Test
    void componentOptionsBindByNameThroughTheGeneratedConfigurer() {
        P2pComponent fresh = new P2pComponent();
        fresh.setCamelContext(camel);
        fresh.build(); // resolves its configurers, as a context does before starting it (no relay yet)
        assertInstanceOf(P2pComponentConfigurer.class, fresh.getComponentPropertyConfigurer());
        org.apache.camel.support.PropertyBindingSupport.build().withCamelContext(camel).withTarget(fresh)
                .withConfigurer(fresh.getComponentPropertyConfigurer())
                .withProperties(new java.util.HashMap<>(java.util.Map.of("commandTimeout", "3s", "maxConnections", "7",
                        "host", "0.0.0.0", "handshakeTimeout", "250ms")))
                .bind();
        assertEquals(3000, fresh.getConfiguration().getCommandTimeout());
        assertEquals(7, fresh.getConfiguration().getMaxConnections());
        assertEquals("0.0.0.0", fresh.getConfiguration().getHost());
        assertEquals(250, fresh.getConfiguration().getHandshakeTimeout());
    }

    @Test
    void theRelayRunsOnTheVertxItIsGivenAndLeavesItOpen() throws Exception {
        try (WsClient device = P2pComponentTest.device(component, base, P2pComponentTest.DEVICE);
                WsClient app = WsClient.connect(base + "app/" + P2pComponentTest.DEVICE, "t-20001")) {
            app.send("{\"type\":\"command\",\"id\":\"v1\",\"command\":\"" + P2pComponentTest.GET_ST + "\"}");
            device.awaitType("command");
        }
        assertSame(vertx, lookedUpOn.get(0), "the lookup ran on the given Vert.x's workers");
        camel.stop();
        long timer = vertx.setTimer(1, t -> { });
        assertTrue(timer >= 0, "the given Vert.x is still open after the component stopped");
        assertEquals(Boolean.TRUE, vertx.executeBlocking(() -> true).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS));
    }

    @Test
    void aStoppedConsumerReceivesNothingAndAStartedOneReceivesAgain() throws Exception {
        camel.getRouteController().stopRoute("events");
        try (WsClient device = P2pComponentTest.device(component, base, P2pComponentTest.DEVICE)) {
            // The relay works without a consumer; the device is connected but nobody routes its event.
            assertTrue(component.relay().deviceConnected(P2pComponentTest.DEVICE));
            camel.getRouteController().startRoute("events");
            try (WsClient app = WsClient.connect(base + "app/" + P2pComponentTest.DEVICE, "t-20001")) {
                Awaitility.await().until(() -> events.stream().anyMatch(e -> "APP_CONNECTED".equals(
                        e.getMessage().getHeader(P2pConstants.EVENT_TYPE))));
            }
            assertTrue(events.stream().noneMatch(e -> "DEVICE_CONNECTED".equals(
                    e.getMessage().getHeader(P2pConstants.EVENT_TYPE))), "stopped when the device connected");
        }
    }

    @Test
    void theProducerGivesUpAfterItsTimeout() throws Exception {
        try (WsClient device = P2pComponentTest.device(component, base, P2pComponentTest.DEVICE)) {
            long started = System.nanoTime();
            Exchange unanswered = camel.createProducerTemplate().request(
                    "p2p:" + P2pComponentTest.DEVICE + "?cmd=get_device_st&type=voice&timeout=200", e -> { });
            long tookMillis = (System.nanoTime() - started) / 1_000_000;
            JsonNode command = device.awaitType("command");
            assertTrue(command.path("command").asText().contains("get_device_st"));
            P2pException e = assertInstanceOf(P2pException.class, unanswered.getException());
            assertEquals(P2pEvent.NO_ANSWER_CODE, e.code());
            assertTrue(e.getMessage().contains("within 200 ms"), e.getMessage());
            // The relay itself would have waited its command timeout (800 ms here).
            assertTrue(tookMillis < 800, "gave up after " + tookMillis + " ms");
        }
    }

    @Test
    void theProducerWithNoPeerFailsAtOnce() {
        Exchange offline = camel.createProducerTemplate().request(
                "p2p:" + P2pComponentTest.DEVICE + "?cmd=get_device_st&type=voice", e -> { });
        P2pException e = assertInstanceOf(P2pException.class, offline.getException());
        assertEquals(P2pEvent.LINK_BROKEN, e.code());
        assertTrue(e.getMessage().contains("not connected"), e.getMessage());
    }
}
