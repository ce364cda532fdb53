package io.callbridge.camel.mqtt;

import org.apache.camel.Endpoint;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;

import java.util.Map;

/**
 * Camel's {@code paho-mqtt5} component with a consumer that does not lose what a persistent session holds:
 * see {@link DurableMqttConsumer}. Producers and every option are Camel's own.
 */
// The name makes Camel find paho-mqtt5's generated option configurers for this subclass too.
@org.apache.camel.spi.annotations.Component("paho-mqtt5")
public class DurableMqttComponent extends PahoMqtt5Component {

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
