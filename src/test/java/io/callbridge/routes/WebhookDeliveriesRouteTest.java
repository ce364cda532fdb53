package io.callbridge.routes;

import java.util.List;

/** {@code webhook-deliveries}: One event's deliveries. */
class WebhookDeliveriesRouteTest extends BeanStepRouteTest {
    WebhookDeliveriesRouteTest() {
        super("webhook-deliveries", List.of("webhookDeliveries.ofWebhook"), null);
    }
}
