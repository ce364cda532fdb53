package io.callbridge.routes;

import java.util.List;

/** {@code webhook-replay}: Replays an event. */
class WebhookReplayRouteTest extends BeanStepRouteTest {
    WebhookReplayRouteTest() {
        super("webhook-replay", List.of("webhookDeliveries.replay"), null);
    }
}
