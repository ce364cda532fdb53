package io.callbridge.routes;

import java.util.List;

/** {@code webhooks-rest}: the REST operations it offers and the routes they call. */
class WebhooksRestRouteTest extends RestFileTest {
    WebhooksRestRouteTest() {
        super("webhooks-rest", List.of(
                "GET /api/webhooks/failed -> direct:webhooks-failed",
                "GET /api/webhooks/{webhookId} -> direct:webhook-deliveries",
                "POST /api/webhooks/{webhookId}/replay -> direct:webhook-replay"));
    }
}
