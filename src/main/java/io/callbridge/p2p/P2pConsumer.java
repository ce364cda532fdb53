package io.callbridge.p2p;

import io.callbridge.mqtt.InOrderPerKey;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Turns relay events into exchanges: the headers of {@link P2pConstants}, the event in the body. The relay hands an
 * event over on its event loop; the route runs on the consumer's own workers (it may write to a database or publish
 * over MQTT), one device's events in the order they happened, different devices' side by side, so a slow route
 * for one device holds up neither the relay nor the other devices.
 */
public class P2pConsumer extends DefaultConsumer {

    private final Consumer<P2pEvent> listener = this::onEvent;
    private Set<String> types = Set.of();
    private ExecutorService workers;
    private InOrderPerKey lanes;

    public P2pConsumer(P2pEndpoint endpoint, Processor processor) {
        super(endpoint, processor);
    }

    @Override
    public P2pEndpoint getEndpoint() {
        return (P2pEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        String events = getEndpoint().getEvents();
        types = events == null || events.isBlank() ? Set.of()
                : Arrays.stream(events.split(",")).map(String::trim).map(t -> P2pEvent.Type.valueOf(t).name())
                        .collect(Collectors.toSet());
        workers = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newFixedThreadPool(this, "p2p-consumer", getEndpoint().getWorkers());
        lanes = new InOrderPerKey(workers);
        getEndpoint().getComponent().relay().addListener(listener);
    }

    @Override
    protected void doStop() throws Exception {
        getEndpoint().getComponent().relay().removeListener(listener);
        if (workers != null) {
            // Events already taken are routed before the consumer stops.
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdownGraceful(workers);
            workers = null;
        }
        super.doStop();
    }

    /** Devices whose events are being routed or wait to be. */
    int busyDevices() {
        return lanes == null ? 0 : lanes.busyKeys();
    }

    private void onEvent(P2pEvent event) {
        if (getEndpoint().getDevice() != null && !getEndpoint().getDevice().equals(event.device())
                || !types.isEmpty() && !types.contains(event.type().name())) {
            return;
        }
        lanes.submit(event.device().toString(), () -> route(event));
    }

    private void route(P2pEvent event) {
        Exchange exchange = createExchange(true);
        var m = exchange.getMessage();
        m.setBody(event);
        m.setHeader(P2pConstants.EVENT_TYPE, event.type().name());
        m.setHeader(P2pConstants.DEVICE, event.device().toString());
        m.setHeader(P2pConstants.USER, event.user());
        m.setHeader(P2pConstants.SESSION, event.session());
        m.setHeader(P2pConstants.COMMAND, event.command());
        m.setHeader(P2pConstants.ANSWER, event.answer());
        m.setHeader(P2pConstants.CODE, event.code());
        m.setHeader(P2pConstants.SUB_CODE, event.subCode());
        try {
            getProcessor().process(exchange);
        } catch (Exception e) {
            exchange.setException(e);
        }
        if (exchange.getException() != null) {
            getExceptionHandler().handleException("Processing P2P event " + event.type(), exchange,
                    exchange.getException());
        }
        releaseExchange(exchange, false);
    }
}
