package io.callbridge.device.mqtt;

import org.apache.camel.Endpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5ComponentConfigurer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5EndpointConfigurer;
import org.apache.camel.spi.PropertyConfigurer;

import java.util.Map;

/**
 * Camel's {@code paho-mqtt5} component with a consumer that does not lose what a persistent session holds:
 * see {@link DurableMqttConsumer}. Producers and every option are Camel's own.
 */
public class DurableMqttComponent extends PahoMqtt5Component {

    // Camel finds a component's configurers by its @Component name; this subclass takes paho-mqtt5's own instead of
    // the annotation, which would make the build generate a second paho-mqtt5 service file naming this class.
    private final PropertyConfigurer componentOptions = new PahoMqtt5ComponentConfigurer();
    private final PropertyConfigurer endpointOptions = new PahoMqtt5EndpointConfigurer();

    private int workers = 1;

    @Override
    public PropertyConfigurer getComponentPropertyConfigurer() {
        return componentOptions;
    }

    @Override
    public PropertyConfigurer getEndpointPropertyConfigurer() {
        return endpointOptions;
    }
    private io.callbridge.mqtt.Canary canary;

    /** Consumers hand messages of different topics (devices) to this many threads; one topic stays in order. */
    public void setWorkers(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, was " + workers);
        }
        this.workers = workers;
    }

    public int getWorkers() {
        return workers;
    }

    /** The canary a consumer recognises (and, on a shared subscription, subscribes to on its own); may be null. */
    public void setCanary(io.callbridge.mqtt.Canary canary) {
        this.canary = canary;
    }

    public io.callbridge.mqtt.Canary getCanary() {
        return canary;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        // Camel's endpoint reads the options (its generated configurer knows them); ours takes them over.
        PahoMqtt5Endpoint configured = (PahoMqtt5Endpoint) super.createEndpoint(uri, remaining, parameters);
        DurableMqttEndpoint endpoint = new DurableMqttEndpoint(uri, remaining, this, configured.getConfiguration());
        endpoint.setClient(configured.getClient());
        endpoint.setLazyStartProducer(configured.isLazyStartProducer());
        endpoint.setBridgeErrorHandler(configured.isBridgeErrorHandler());
        return endpoint;
    }
}
