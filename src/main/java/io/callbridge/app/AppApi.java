package io.callbridge.app;

import io.callbridge.api.ApiEnvelope;
import io.callbridge.api.ApiException;
import io.callbridge.api.ApiRequest;
import io.callbridge.api.TokenApi;
import io.callbridge.api.TokenVerifier;
import io.callbridge.call.CallService;
import io.callbridge.call.Decision;
import io.callbridge.call.DevicePresence;
import io.callbridge.device.DeviceGateway;
import io.callbridge.limits.Limits;
import io.callbridge.runtime.CallBridgeMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.jboss.logging.Logger;

/** The app-api and app-control routes' view of {@link TokenApi}: every outcome is a platform envelope. */
@ApplicationScoped
@Named("appApi")
public class AppApi {

    /** The API action of the request, or {@code error} when the request could not be read. */
    public static final String ACTION = "CallBridgeAction";
    private static final String REQUEST = "CallBridgeApiRequest";
    private static final String REQUEST_ID = "CallBridgeRequestId";
    private static final Logger LOG = Logger.getLogger(AppApi.class);

    @Inject
    CallService calls;

    @Inject
    TokenVerifier tokens;

    @Inject
    CallBridgeMetrics metrics;

    @Inject
    Limits limits;

    @Inject
    DevicePresence presence;

    private TokenApi api;

    private TokenApi api() {
        if (api == null) {
            api = new TokenApi(calls, tokens, presence);
        }
        return api;
    }

    public void parse(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        exchange.setProperty(REQUEST_ID, TokenApi.requestId(body == null ? new byte[0] : body));
        String address = address(exchange);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        admit(address);
        ApiRequest request = api().parse(body == null ? new byte[0] : body);
        exchange.getMessage().setHeader(ACTION, request.action());
        request.device().ifPresent(d -> exchange.getMessage().setHeader(DeviceGateway.DEVICE, d.toString()));
        admit(address, request);
        exchange.setProperty(REQUEST, request);
    }

    /** Step 3. On success the decision's effects (control to the device, events) are left for the route. */
    public void control(Exchange exchange) {
        ApiRequest request = exchange.getProperty(REQUEST, ApiRequest.class);
        long receivedAt = System.currentTimeMillis();
        Decision decision = api().control(request);
        metrics.answerStarted(decision, receivedAt);
        exchange.setProperty(DeviceGateway.DECISION, decision);
        exchange.getMessage().setHeader(DeviceGateway.CALL_ID, decision.call().id());
        exchange.getMessage().setBody(ApiEnvelope.success(request.requestId(), ""));
    }

    public void deviceData(Exchange exchange) {
        ApiRequest request = exchange.getProperty(REQUEST, ApiRequest.class);
        exchange.getMessage().setBody(ApiEnvelope.success(request.requestId(), api().deviceData(request)));
    }

    public void user(Exchange exchange) {
        ApiRequest request = exchange.getProperty(REQUEST, ApiRequest.class);
        exchange.getMessage().setBody(ApiEnvelope.success(request.requestId(), api().appUser(request)));
    }

    public void deviceStatuses(Exchange exchange) {
        ApiRequest request = exchange.getProperty(REQUEST, ApiRequest.class);
        exchange.getMessage().setBody(ApiEnvelope.success(request.requestId(), api().deviceStatuses(request)));
    }

    /** An action listed in {@link TokenApi#ACTIONS} that the app-api route does not hand on. */
    public void unknownAction(Exchange exchange) {
        String action = exchange.getMessage().getHeader(ACTION, String.class);
        throw new ApiException(ApiException.INVALID_ACTION, "Action " + action + " has no route");
    }

    /** app-errors: a refused request gets Response.Error with its code and reason. */
    public void refused(Exchange exchange) {
        fail(exchange, caught(exchange, ApiException.class));
    }

    /** app-errors: any other failure is InternalError to the app; what went wrong goes to the log only. */
    public void failed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        LOG.errorf(e, "tokenapi %s for %s failed", exchange.getMessage().getHeader(ACTION, String.class),
                exchange.getMessage().getHeader(DeviceGateway.DEVICE, "(no device)", String.class));
        fail(exchange, new ApiException(ApiException.INTERNAL_ERROR, "internal error"));
    }

    private static <T extends Throwable> T caught(Exchange exchange, Class<T> type) {
        for (Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class); t != null;
                t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new IllegalStateException("no " + type.getSimpleName() + " caught");
    }

    /** The address's rate, and whether it is waiting out its refused tokens. */
    private void admit(String address) {
        if (limits.apiFailuresPerAddress().exhausted(address) || !limits.apiPerAddress().tryAcquire(address)) {
            throw new ApiException(ApiException.REQUEST_LIMIT_EXCEEDED, "too many requests from this address;"
                    + " try again later");
        }
    }

    /** A refused token costs its address one of few; a valid one is held to its own rate. */
    private void admit(String address, ApiRequest request) {
        if (request.user().isEmpty()) {
            limits.apiFailuresPerAddress().tryAcquire(address);
        } else if (!limits.apiPerToken().tryAcquire(request.accessToken())) {
            throw new ApiException(ApiException.REQUEST_LIMIT_EXCEEDED, "too many requests with this access token;"
                    + " try again later");
        }
    }

    private static String address(Exchange exchange) {
        Object remote = exchange.getMessage().getHeader("CamelVertxPlatformHttpRemoteAddress");
        if (remote instanceof io.vertx.core.net.SocketAddress a) {
            return a.hostAddress() != null ? a.hostAddress() : a.host();
        }
        return "?";
    }

    private static void fail(Exchange exchange, ApiException e) {
        exchange.getMessage().setBody(ApiEnvelope.error(exchange.getProperty(REQUEST_ID, String.class), e.code(),
                e.getMessage()));
    }
}
