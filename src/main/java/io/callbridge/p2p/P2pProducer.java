package io.callbridge.p2p;

import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultProducer;

import java.util.concurrent.ExecutionException;

/** Asks the endpoint's device; the answer becomes the body (and for get_device_st, its status the code header). */
public class P2pProducer extends DefaultProducer {

    public P2pProducer(P2pEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public P2pEndpoint getEndpoint() {
        return (P2pEndpoint) super.getEndpoint();
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        String command = exchange.getMessage().getHeader(P2pConstants.COMMAND, String.class);
        if (command == null) {
            command = getEndpoint().command();
        }
        P2pCommand parsed = P2pCodec.parse(command);
        String answer;
        try {
            answer = getEndpoint().getComponent().relay().command(getEndpoint().getDevice(), command).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        exchange.getMessage().setBody(answer);
        exchange.getMessage().setHeader(P2pConstants.DEVICE, getEndpoint().getDevice().toString());
        exchange.getMessage().setHeader(P2pConstants.COMMAND, command);
        if ("get_device_st".equals(parsed.cmd())) {
            exchange.getMessage().setHeader(P2pConstants.CODE, DeviceStateAnswer.parse(answer).status());
        }
    }
}
