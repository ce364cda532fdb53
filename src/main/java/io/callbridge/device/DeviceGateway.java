package io.callbridge.device;

import io.callbridge.app.AppPushes;
import io.callbridge.call.CallEngine;
import io.callbridge.call.CallService;
import io.callbridge.call.CallStore;
import io.callbridge.call.Decision;
import io.callbridge.call.DeviceReport;
import io.callbridge.call.DeviceState;
import io.callbridge.call.Refusal;
import io.callbridge.device.mqtt.DurableMqttConsumer;
import io.callbridge.limits.Limits;
import io.callbridge.runtime.CallBridgeMetrics;
import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import io.callbridge.thing.ThingException;
import io.callbridge.thing.ThingMessage;
import io.callbridge.thing.Topics;
import io.callbridge.webhook.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.apache.camel.Exchange;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The device side of the thing model, for the device-* routes: turns MQTT messages into engine inputs and
 * engine decisions into replies and controls on the device's down topic.
 */
@ApplicationScoped
@Named("deviceGateway")
public class DeviceGateway {

    /** The device a message came from or goes to, as {@code ProductId/DeviceName}. */
    public static final String DEVICE = "CallBridgeDevice";
    /** The thing-model method of an incoming message, or {@code malformed}. */
    public static final String METHOD = "CallBridgeMethod";
    /** Which thing-model topic a message came on: {@code property}, {@code event} or {@code action}. */
    public static final String KIND = "CallBridgeThingKind";
    /** The call a message belongs to, when there is one. */
    public static final String CALL_ID = "CallBridgeCallId";
    public static final String DECISION = "CallBridgeDecision";
    /** The topic a down message goes to. */
    public static final String DOWN_TOPIC = "CallBridgeDownTopic";
    private static final String MESSAGE = "CallBridgeThingMessage";
    private static final String PAYLOAD = "CallBridgeThingPayload";

    private static final Logger LOG = Logger.getLogger(DeviceGateway.class);

    @Inject
    CallService calls;

    @Inject
    CallBridgeMetrics metrics;

    @Inject
    Limits limits;

    @Inject
    AppPushes pushes;

    @Inject
    Outbox outbox;

    /** Reads an up message; a malformed one gets its error reply in the body, ready for the downlink. */
    public void parse(Exchange exchange) {
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        Topics.Up up = Topics.up(topic).orElse(null);
        if (up == null) {
            LOG.warnf("Dropped a message on %s: not a $thing/up/{property,event,action}/{ProductId}/{DeviceName} topic",
                    topic);
            exchange.getMessage().setHeader(METHOD, "ignored");
            return;
        }
        DeviceId device = up.device();
        exchange.getMessage().setHeader(DEVICE, device.toString());
        exchange.getMessage().setHeader(KIND, up.kind());
        metrics.uplinkLag(System.currentTimeMillis() - receivedAt(exchange));
        try {
            byte[] payload = exchange.getMessage().getBody(byte[].class);
            ThingMessage message = ThingCodec.parse(payload, token -> CallEngine.callIdOfControlToken(token) != null);
            exchange.setProperty(PAYLOAD, payload);
            exchange.setProperty(MESSAGE, message);
            exchange.getMessage().setHeader(METHOD, message.method());
        } catch (ThingException e) {
            LOG.infof("Refused a message from %s: %s", device, e.getMessage());
            metrics.report("malformed");
            exchange.getMessage().setHeader(METHOD, "malformed");
            down(exchange, device, ThingCodec.reply("report", null, e.code(), e.getMessage()));
        }
    }

    /**
     * The device-errors route configuration: a step of the device's message failed. The device is answered as for a
     * refusal (code 500), so it tries again rather than waiting; the body becomes that reply.
     */
    public void failed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        String method = message == null ? "report" : message.method();
        LOG.errorf(e, "%s from %s failed", method, device);
        if ("report".equals(method)) {
            metrics.report("failed");
        }
        // What failed inside is the log's, not the device's to read.
        down(exchange, device, ThingCodec.reply("event_post".equals(method) ? "event" : method,
                message == null ? null : message.clientToken(), ThingException.INTERNAL, "internal error"));
    }

    /** Steps 2, 4.2, 6 and 9: the device's call status goes through the engine; the body becomes the report_reply. */
    public void report(Exchange exchange) {
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        if (!limits.deviceReports().tryAcquire(device.toString())) {
            metrics.report("refused_" + ThingException.TOO_MANY);
            down(exchange, device, ThingCodec.reply("report", message.clientToken(), ThingException.TOO_MANY,
                    "more than " + limits.deviceReports().rate().perSecond() + " reports a second from this device"));
            return;
        }
        // A failure here (the database) is device-errors' to answer: see failed().
        Decision decision = calls.report(new DeviceReport(device, message.clientToken(), message.timestamp(),
                message.params()));
        exchange.setProperty(DECISION, decision);
        if (decision.call() != null) {
            exchange.getMessage().setHeader(CALL_ID, decision.call().id());
        }
        if (decision.refused()) {
            LOG.infof("Refused a report from %s: %s", device, decision.refusal().message());
            metrics.report("refused_" + code(decision.refusal()));
            down(exchange, device, ThingCodec.reply("report", message.clientToken(), code(decision.refusal()),
                    decision.refusal().message()));
        } else {
            metrics.report(decision.unchanged() ? "unchanged" : "applied");
            metrics.ringStarted(decision, receivedAt(exchange));
            if (!decision.unchanged()) {
                pushes.report(device, Topics.upProperty(device), exchange.getProperty(PAYLOAD, byte[].class));
            }
            down(exchange, device, ThingCodec.reply("report", message.clientToken(), 0, "success"));
        }
    }

    /** The device asks for its last reported values (it checks the backend agrees it is idle). */
    public void getStatus(Exchange exchange) {
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        if (!limits.deviceReports().tryAcquire(device.toString())) {
            down(exchange, device, ThingCodec.reply("get_status", message.clientToken(), ThingException.TOO_MANY,
                    "more than " + limits.deviceReports().rate().perSecond() + " messages a second from this device"));
            return;
        }
        Map<String, Object> reported = calls.store().deviceState(device).map(DeviceState::values).orElse(Map.of());
        Map<String, Object> control = calls.store().keptControl(device).map(CallStore.KeptControl::params)
                .orElse(null);
        down(exchange, device, ThingCodec.getStatusReply(message.clientToken(), message.type(), reported, control));
    }

    /** The device has what it needs of its kept control: forget it, and say so. */
    public void clearControl(Exchange exchange) {
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        if (!limits.deviceReports().tryAcquire(device.toString())) {
            down(exchange, device, ThingCodec.reply(message.method(), message.clientToken(), ThingException.TOO_MANY,
                    "more than " + limits.deviceReports().rate().perSecond() + " messages a second from this device"));
            return;
        }
        calls.store().forgetKeptControl(device, null);
        down(exchange, device, ThingCodec.reply(message.method(), message.clientToken(), 0, "success"));
    }

    /** A control_reply: a non-zero code means our control was not applied, which becomes an event. */
    public void controlReply(Exchange exchange) {
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        int code = message.code() == null ? 0 : message.code();
        if (CallEngine.callIdOfControlToken(message.clientToken()) != null) {
            calls.store().forgetKeptControl(device, message.clientToken());
        }
        calls.controlReply(device, message.clientToken(), code, message.status()).ifPresentOrElse(
                d -> exchange.setProperty(DECISION, d),
                () -> {
                    if (code != 0) {
                        LOG.warnf("control_reply %d from %s for unknown control %s", code, device,
                                message.clientToken());
                    }
                });
    }

    /** Any other method: answered with an error so the device is not left waiting. */
    public void unsupported(Exchange exchange) {
        ThingMessage message = message(exchange);
        String kind = exchange.getMessage().getHeader(KIND, Topics.PROPERTY, String.class);
        down(exchange, device(exchange), ThingCodec.reply(message.method(), message.clientToken(),
                ThingException.UNSUPPORTED, "method " + message.method() + " is not handled on the " + kind
                        + " topic"));
    }

    /**
     * {@code report_info}: the device's module, firmware and labels, kept (AppGetDeviceData shows them) and answered.
     */
    public void reportInfo(Exchange exchange) {
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        if (!admitted(exchange, message, device)) {
            return;
        }
        calls.store().setDeviceInfo(device, message.params());
        down(exchange, device, ThingCodec.reply(message.method(), message.clientToken(), 0, "success"));
    }

    /**
     * {@code event_post} on {@code $thing/up/event/P/D}: a {@code device.event} webhook and a push, answered
     * {@code event_reply} once the webhook is durable.
     */
    public void event(Exchange exchange) {
        ThingMessage message = message(exchange);
        DeviceId device = device(exchange);
        if (!admitted(exchange, message, device)) {
            return;
        }
        byte[] payload = exchange.getProperty(PAYLOAD, byte[].class);
        Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("device", device.toString());
        data.put("clientToken", message.clientToken());
        data.putAll(ThingCodec.eventFields(payload));
        outbox.deviceEvent(device, message.clientToken() == null ? java.util.UUID.randomUUID().toString()
                : message.clientToken(), data).join();
        pushes.event(device, Topics.up(Topics.EVENT, device), payload);
        down(exchange, device, ThingCodec.reply("event", message.clientToken(), 0, "success"));
    }

    /** {@code action_reply}: CallBridge sends no actions, so there is nothing it answers; it is only noted. */
    public void actionReply(Exchange exchange) {
        ThingMessage message = message(exchange);
        LOG.debugf("action_reply from %s for %s: code %s", device(exchange), message.clientToken(), message.code());
    }

    private boolean admitted(Exchange exchange, ThingMessage message, DeviceId device) {
        if (limits.deviceReports().tryAcquire(device.toString())) {
            return true;
        }
        down(exchange, device, ThingCodec.reply(message.method(), message.clientToken(), ThingException.TOO_MANY,
                "more than " + limits.deviceReports().rate().perSecond() + " messages a second from this device"));
        return false;
    }

    /** Step 4.1: a control from the outbox, written with its transition, on its way to the device's down topic. */
    public void control(Exchange exchange) {
        Outbox.Entry control = exchange.getMessage().getBody(Outbox.Entry.class);
        Topics.deviceOfDownProperty(control.topic())
                .ifPresent(d -> exchange.getMessage().setHeader(DEVICE, d.toString()));
        exchange.getMessage().setHeader(CALL_ID, control.callId());
        exchange.getMessage().setHeader(DOWN_TOPIC, control.topic());
        byte[] body = control.body().getBytes(StandardCharsets.UTF_8);
        exchange.getMessage().setBody(body);
        if (control.attempts() == 0) {
            Topics.deviceOfDownProperty(control.topic()).ifPresent(d -> pushes.control(d, control.topic(), body));
        }
    }

    /** The reply goes to the down topic of the kind the message came on. */
    private static void down(Exchange exchange, DeviceId device, byte[] payload) {
        exchange.getMessage().setBody(payload);
        String kind = exchange.getMessage().getHeader(KIND, Topics.PROPERTY, String.class);
        exchange.getMessage().setHeader(DOWN_TOPIC, Topics.down(kind, device));
    }

    private static long receivedAt(Exchange exchange) {
        Long at = exchange.getMessage().getHeader(DurableMqttConsumer.RECEIVED_AT, Long.class);
        return at == null ? System.currentTimeMillis() : at;
    }

    private static ThingMessage message(Exchange exchange) {
        return exchange.getProperty(MESSAGE, ThingMessage.class);
    }

    private static DeviceId device(Exchange exchange) {
        return DeviceId.parse(exchange.getMessage().getHeader(DEVICE, String.class));
    }

    static int code(Refusal refusal) {
        return switch (refusal.kind()) {
            case INVALID -> ThingException.INVALID_VALUE;
            case UNSUPPORTED -> ThingException.UNSUPPORTED;
            default -> ThingException.CONFLICT;
        };
    }
}
