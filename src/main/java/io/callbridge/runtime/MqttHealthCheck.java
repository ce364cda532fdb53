package io.callbridge.runtime;

import io.callbridge.device.mqtt.DurableMqttConsumer;
import io.callbridge.mqtt.Canary;
import io.callbridge.mqtt.Downlink;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * DOWN while no device report would reach CallBridge or no answer would leave it: the device-uplink route is not
 * connected and subscribed, the uplink has stopped making progress (its canary is overdue and nothing else came
 * through), or the downlink is disconnected or has failed every publish for a while.
 */
@Readiness
@ApplicationScoped
public class MqttHealthCheck implements HealthCheck {

    static final String ROUTE = "device-uplink";

    @Inject
    CamelContext camel;

    @Inject
    MqttBroker broker;

    @Inject
    Downlink downlink;

    @Inject
    Canary canary;

    /** Publishes failing for this long, with none getting through, is a downlink that cannot answer devices. */
    static final long DOWNLINK_FAILING_MILLIS = 5_000;

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
        response.withData("unacknowledged", consumer.unacknowledged());
        String stalled = canary.stalled();
        if (stalled != null) {
            return response.down().withData("reason", "the uplink is deaf: " + stalled).build();
        }
        Downlink.Status d = downlink.status();
        response.withData("downlinkQueued", d.queued());
        if (!d.connected()) {
            return response.down().withData("reason", "the downlink " + downlink.clientId()
                    + " is not connected to the broker" + (d.lastError() == null ? "" : ": " + d.lastError())).build();
        }
        long failingFor = d.failingSince() == 0 ? 0 : System.currentTimeMillis() - d.failingSince();
        if (failingFor > DOWNLINK_FAILING_MILLIS && d.queued() > 0) {
            return response.down().withData("reason", "the broker has refused or dropped every publish for "
                    + failingFor + " ms: " + d.lastError()).build();
        }
        return response.up().build();
    }
}
