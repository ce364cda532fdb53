package io.callbridge.routes;

import java.util.List;

/** {@code webhooks-failed}: Deliveries given up. */
class WebhooksFailedRouteTest extends BeanStepRouteTest {
    WebhooksFailedRouteTest() {
        super("webhooks-failed", List.of("webhookDeliveries.failed"), null);
    }
}
