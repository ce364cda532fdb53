package io.callbridge.device.mqtt;

import io.callbridge.mqtt.NoDelaySockets;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/** A {@code paho-mqtt5} endpoint whose consumer is a {@link DurableMqttConsumer}. */
public class DurableMqttEndpoint extends PahoMqtt5Endpoint {

    public DurableMqttEndpoint(String uri, String topic, PahoMqtt5Component component,
            PahoMqtt5Configuration configuration) {
        super(uri, topic, component, configuration);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        DurableMqttConsumer consumer = new DurableMqttConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    DurableMqttComponent component() {
        return (DurableMqttComponent) getComponent();
    }

    MqttConnectionOptions connectionOptions() {
        return NoDelaySockets.apply(createMqttConnectionOptions(), getConfiguration().getBrokerUrl());
    }
}
