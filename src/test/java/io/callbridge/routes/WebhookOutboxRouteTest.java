package io.callbridge.routes;

import java.util.List;

/** {@code webhook-outbox}: The outbox poller retries what is due. */
class WebhookOutboxRouteTest extends BeanStepRouteTest {
    WebhookOutboxRouteTest() {
        super("webhook-outbox", List.of("webhookOutbox.retryDue"), null);
    }
}
