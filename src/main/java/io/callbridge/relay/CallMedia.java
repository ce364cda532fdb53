package io.callbridge.relay;

import io.callbridge.call.CallService;
import io.callbridge.call.Decision;
import io.callbridge.device.DeviceGateway;
import io.callbridge.p2p.P2pConstants;
import io.callbridge.thing.DeviceId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;

/** What the P2P relay tells the call engine: the media of a device's call ended, broke, or came back. */
@ApplicationScoped
@Named("callMedia")
public class CallMedia {

    @Inject
    CallService calls;

    public void lost(Exchange exchange) {
        decide(exchange, true);
    }

    public void resumed(Exchange exchange) {
        decide(exchange, false);
    }

    private void decide(Exchange exchange, boolean lost) {
        DeviceId device = DeviceId.parse(exchange.getMessage().getHeader(P2pConstants.DEVICE, String.class));
        Decision decision = calls.media(device, lost);
        exchange.setProperty(DeviceGateway.DECISION, decision);
        if (decision.call() != null) {
            exchange.getMessage().setHeader(DeviceGateway.CALL_ID, decision.call().id());
        }
    }
}
