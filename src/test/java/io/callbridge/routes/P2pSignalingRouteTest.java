package io.callbridge.routes;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code p2p-signaling}: the relay's events that matter to a call reach the media bean (voice closed or the device's
 * link lost: {@code lost}; voice open again: {@code resumed}); every other event is only logged.
 */
class P2pSignalingRouteTest extends RouteTestSupport {

    /** The media bean as the route sees it. */
    public static final class Media {
        volatile String called = "";

        public void lost(Exchange exchange) {
            called += "lost";
        }

        public void resumed(Exchange exchange) {
            called += "resumed";
        }
    }

    private final Media media = new Media();

    @BeforeEach
    void route() throws Exception {
        context.getRegistry().bind("callMedia", media);
        start("p2p-signaling", a -> a.replaceFromWith("direct:p2p"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "VOICE_CLOSED, lost",
        "DEVICE_DISCONNECTED, lost",
        "VOICE_OPENED, resumed",
        "COMMAND, ''",
        "STREAM_OPENED, ''",
    })
    void mediaEventsReachTheEngine(String type, String expected) {
        template.sendBodyAndHeaders("direct:p2p", "", Map.of("CallBridgeP2pEventType", type,
                "CallBridgeDevice", "P/D"));
        assertEquals(expected, media.called);
    }
}
