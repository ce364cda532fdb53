package io.callbridge.p2p;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultAsyncProducer;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks the endpoint's device; the answer becomes the body (and for get_device_st, its status the code header). No
 * thread waits for the device: the exchange goes on, on the producer's own threads (never the relay's event loop),
 * when the answer comes, or fails after {@code timeout}.
 */
public class P2pProducer extends DefaultAsyncProducer {

    private ExecutorService continuations;

    public P2pProducer(P2pEndpoint endpoint) {
        super(endpoint);
    }

    @Override
    public P2pEndpoint getEndpoint() {
        return (P2pEndpoint) super.getEndpoint();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        continuations = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newCachedThreadPool(this, "p2p-producer");
    }

    @Override
    protected void doStop() throws Exception {
        if (continuations != null) {
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(continuations);
            continuations = null;
        }
        super.doStop();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        String command;
        P2pCommand parsed;
        try {
            String header = exchange.getMessage().getHeader(P2pConstants.COMMAND, String.class);
            command = header != null ? header : getEndpoint().command();
            parsed = P2pCodec.parse(command);
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        long timeout = getEndpoint().getTimeout();
        String device = getEndpoint().getDevice().toString();
        getEndpoint().getComponent().relay().command(getEndpoint().getDevice(), command)
                .orTimeout(timeout, TimeUnit.MILLISECONDS)
                .whenCompleteAsync((answer, error) -> {
                    try {
                        if (error != null) {
                            Throwable cause = error instanceof CompletionException && error.getCause() != null
                                    ? error.getCause() : error;
                            exchange.setException(cause instanceof TimeoutException
                                    ? new P2pException(P2pEvent.NO_ANSWER_CODE, "no answer from " + device
                                            + " within " + timeout + " ms")
                                    : cause);
                            return;
                        }
                        exchange.getMessage().setBody(answer);
                        exchange.getMessage().setHeader(P2pConstants.DEVICE, device);
                        exchange.getMessage().setHeader(P2pConstants.COMMAND, command);
                        if (P2pCommand.GET_DEVICE_ST.equals(parsed.cmd())) {
                            exchange.getMessage().setHeader(P2pConstants.CODE, DeviceStateAnswer.parse(answer).status());
                        }
                    } catch (RuntimeException e) {
                        exchange.setException(e);
                    } finally {
                        callback.done(false);
                    }
                }, continuations);
        return false;
    }
}
