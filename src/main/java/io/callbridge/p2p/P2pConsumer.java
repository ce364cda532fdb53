package io.callbridge.p2p;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;

import java.util.Arrays;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** Turns relay events into exchanges: the headers of {@link P2pConstants}, the event in the body. */
public class P2pConsumer extends DefaultConsumer {

    private final Consumer<P2pEvent> listener = this::onEvent;
    private Set<String> types = Set.of();

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
        getEndpoint().getComponent().relay().addListener(listener);
    }

    @Override
    protected void doStop() throws Exception {
        getEndpoint().getComponent().relay().removeListener(listener);
        super.doStop();
    }

    private void onEvent(P2pEvent event) {
        if (getEndpoint().getDevice() != null && !getEndpoint().getDevice().equals(event.device())
                || !types.isEmpty() && !types.contains(event.type().name())) {
            return;
        }
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
