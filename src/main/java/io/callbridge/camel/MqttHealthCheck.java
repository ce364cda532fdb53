package io.callbridge.camel;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import io.callbridge.camel.mqtt.DurableMqttConsumer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** DOWN while the device-uplink route is not connected and subscribed: no device report would reach us. */
@Readiness
@ApplicationScoped
public class MqttHealthCheck implements HealthCheck {

    static final String ROUTE = "device-uplink";

    @Inject
    CamelContext camel;

    @Inject
    MqttBroker broker;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("mqtt").withData("broker", broker.url())
                .withData("embedded", broker.embedded());
        Route route = camel.getRoute(ROUTE);
        if (route == null) {
            return response.down().withData("reason", "route " + ROUTE + " is not loaded").build();
        }
        if (!(route.getConsumer() instanceof DurableMqttConsumer consumer)) {
            return response.down().withData("reason", "route " + ROUTE + " has no MQTT consumer").build();
        }
        response.withData("topic", consumer.getEndpoint().getTopic());
        if (!consumer.connected()) {
            String error = consumer.lastError();
            return response.down().withData("reason", "not connected to the broker"
                    + (error == null ? "" : ": " + error)).build();
        }
        if (!consumer.subscribed()) {
            return response.down().withData("reason", "connected but not subscribed to the device topics").build();
        }
        return response.up().build();
    }
}
