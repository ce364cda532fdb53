package io.callbridge.runtime;

import io.callbridge.app.AppPushSocket;
import io.callbridge.app.AppPushes;
import io.callbridge.call.CallEvent;
import io.callbridge.call.Decision;
import io.callbridge.call.Effect;
import io.callbridge.device.BrokerDrops;
import io.callbridge.device.mqtt.DurableMqttConsumer;
import io.callbridge.limits.Limits;
import io.callbridge.limits.RateLimit;
import io.callbridge.mqtt.Canary;
import io.callbridge.mqtt.Downlink;
import io.callbridge.p2p.P2pComponent;
import io.callbridge.store.GroupCommit;
import io.callbridge.webhook.Outbox;
import io.callbridge.webhook.WebhookSender;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.quarkus.main.events.BeforeStart;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What operators (and the load harness) read at {@code /q/metrics}: how long a ring takes to reach the app
 * vendor's server and an accept to reach the device, reports by outcome, how far the uplink lags, how full the
 * downlink, the writer and the outbox are, webhook attempts by outcome, and what the broker dropped.
 */
@ApplicationScoped
public class CallBridgeMetrics {

    private static final Duration[] SLOS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};

    @Inject
    MeterRegistry registry;

    @Inject
    CamelContext camel;

    @Inject
    Downlink downlink;

    @Inject
    GroupCommit commits;

    @Inject
    Outbox outbox;

    @Inject
    WebhookSender webhooks;

    @Inject
    Canary canary;

    @Inject
    MqttBroker broker;

    @Inject
    BrokerDrops drops;

    @Inject
    AppPushSocket pushSocket;

    @Inject
    AppPushes pushes;

    @Inject
    Limits limits;

    @Inject
    @jakarta.inject.Named("p2p")
    P2pComponent p2p;

    private final Latencies rings = new Latencies(120_000);
    private final Latencies answers = new Latencies(120_000);
    private final Map<String, Counter> reports = new ConcurrentHashMap<>();
    private final Map<String, Counter> deliveries = new ConcurrentHashMap<>();
    private Timer ringLatency;
    private Timer answerLatency;
    private Timer uplinkLag;
    private DistributionSummary batchSize;

    /**
     * Gauges and function counters read beans of this application at every scrape. Micrometer's registries can
     * outlive it (the global composite; a test run restarts the application in one JVM), so its meters go with it:
     * left behind, they would call beans that no longer exist and fail every scrape.
     */
    @PreDestroy
    void unregister() {
        for (Meter m : registry.getMeters()) {
            if (m.getId().getName().startsWith("callbridge.")) {
                registry.remove(m);
            }
        }
    }

    void register(@Observes BeforeStart event) {
        ringLatency = timer("callbridge.ring.latency",
                "From a device's ring reaching CallBridge to the app vendor's server answering 2xx to call.ringing");
        answerLatency = timer("callbridge.answer.latency",
                "From the app's accept (AppControlDeviceData) to the broker taking the control for the device");
        uplinkLag = timer("callbridge.uplink.lag",
                "From a report reaching CallBridge to a worker taking it up");
        for (RateLimit limit : limits.all()) {
            FunctionCounter.builder("callbridge.limits.refused", limit, RateLimit::refused).tag("limit", limit.name())
                    .description("Requests refused because a caller went past a configured rate").register(registry);
        }
        Gauge.builder("callbridge.p2p.connections", p2p, P2pComponent::connections)
                .description("Open connections to the P2P relay, upgraded or not").register(registry);
        FunctionCounter.builder("callbridge.p2p.connections.refused", p2p, P2pComponent::refusedConnections)
                .description("Relay connections closed at once (over the maximum) or for not upgrading in time")
                .register(registry);
        Gauge.builder("callbridge.push.connections", pushSocket, AppPushSocket::connections)
                .description("Open app push connections (/ws/explorer)").register(registry);
        FunctionCounter.builder("callbridge.push.closed.slow", pushes, p -> p.hub().closedSlow())
                .description("App push connections closed for letting pushes pile up unsent").register(registry);
        FunctionCounter.builder("callbridge.mqtt.connections.refused", broker, MqttBroker::refusedConnections)
                .description("Connections the embedded broker refused: bad credentials, a taken client id, a rate")
                .register(registry);
        Gauge.builder("callbridge.uplink.unacknowledged", this, m -> m.consumer() == null ? 0
                : m.consumer().unacknowledged())
                .description("Reports received and not yet acknowledged to the broker").register(registry);
        Gauge.builder("callbridge.uplink.in.progress", this, m -> m.consumer() == null ? 0
                : m.consumer().inProgress())
                .description("Reports handed to the workers and not finished yet").register(registry);
        Gauge.builder("callbridge.uplink.canary.round.trip", canary, c -> c.lastRoundTripMillis() / 1000.0)
                .baseUnit("seconds").description("The last canary's round trip through the broker")
                .register(registry);
        Gauge.builder("callbridge.downlink.queued", downlink, d -> d.status().queued())
                .description("Replies and controls waiting to be published").register(registry);
        Gauge.builder("callbridge.downlink.in.flight", downlink, d -> d.status().inFlight())
                .description("Publishes the broker has not acknowledged yet").register(registry);
        FunctionCounter.builder("callbridge.downlink.published", downlink, d -> d.status().published())
                .description("Messages the broker took").register(registry);
        FunctionCounter.builder("callbridge.downlink.failed", downlink, d -> d.status().failed())
                .description("Messages given up (refused for good, or not taken before their deadline)")
                .register(registry);
        FunctionCounter.builder("callbridge.downlink.retries", downlink, d -> d.status().retried())
                .description("Publish attempts made again after a failure").register(registry);
        Gauge.builder("callbridge.store.queued", commits, GroupCommit::queued)
                .description("Transitions waiting for the next commit").register(registry);
        FunctionCounter.builder("callbridge.store.commits", commits, GroupCommit::batches)
                .description("Transactions committed by the writer").register(registry);
        FunctionCounter.builder("callbridge.store.writes", commits, GroupCommit::written)
                .description("Writes (transitions, claims) in those transactions").register(registry);
        FunctionCounter.builder("callbridge.store.busy", commits, c -> c.busyNanos() / 1e9).baseUnit("seconds")
                .description("Time the writer spent writing and committing").register(registry);
        Gauge.builder("callbridge.outbox.pending", outbox, Outbox::pending)
                .description("Webhook deliveries and controls not settled yet").register(registry);
        Gauge.builder("callbridge.webhooks.in.flight", webhooks, WebhookSender::inFlight)
                .description("Webhook attempts waiting for the receiver").register(registry);
        Gauge.builder("callbridge.broker.dropped.messages", this, CallBridgeMetrics::brokerDrops)
                .description("PUBLISH messages the broker reports it dropped (embedded HiveMQ, or Mosquitto's"
                        + " $SYS/broker/publish/messages/dropped); NaN when the broker does not say")
                .register(registry);
        webhooks.outcomes(new WebhookSender.Outcomes() {
            @Override
            public void delivered(Outbox.Entry entry, long millis) {
                delivery(entry.type(), "delivered");
                if (CallEvent.RINGING.equals(entry.type())) {
                    long ms = rings.finish(entry.webhookId());
                    if (ms >= 0) {
                        ringLatency.record(ms, TimeUnit.MILLISECONDS);
                    }
                }
            }

            @Override
            public void failed(Outbox.Entry entry, Outbox.Status status, String why) {
                delivery(entry.type(), status == Outbox.Status.PENDING ? "retry" : status.name().toLowerCase());
            }
        });
    }

    private Timer timer(String name, String description) {
        return Timer.builder(name).description(description).serviceLevelObjectives(SLOS)
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    private double brokerDrops() {
        long embedded = broker.embeddedDrops();
        if (embedded >= 0) {
            return embedded;
        }
        long external = drops.dropped();
        return external >= 0 ? external : Double.NaN;
    }

    private DurableMqttConsumer consumer() {
        Route route = camel.getRoute(MqttHealthCheck.ROUTE);
        return route != null && route.getConsumer() instanceof DurableMqttConsumer c ? c : null;
    }

    /** A report reached a worker {@code lagMillis} after it reached CallBridge. */
    public void uplinkLag(long lagMillis) {
        if (uplinkLag != null) {
            uplinkLag.record(Math.max(0, lagMillis), TimeUnit.MILLISECONDS);
        }
    }

    /** A report was handled: {@code applied}, {@code unchanged}, {@code refused_<code>}, {@code malformed}. */
    public void report(String outcome) {
        reports.computeIfAbsent(outcome, o -> Counter.builder("callbridge.reports").tag("outcome", o)
                .description("Device messages handled, by outcome").register(registry)).increment();
    }

    /** A decision made from a report that arrived at {@code receivedAt}: its ring is timed to the webhook. */
    public void ringStarted(Decision d, long receivedAt) {
        if (outbox.urls().isEmpty()) {
            return;
        }
        for (Effect e : d.effects()) {
            if (e instanceof Effect.Event ev && CallEvent.RINGING.equals(ev.event().type())) {
                rings.start(ev.event().id(), receivedAt);
            }
        }
    }

    /** An app's command that arrived at {@code receivedAt}: its control is timed to the broker. */
    public void answerStarted(Decision d, long receivedAt) {
        for (Effect e : d.effects()) {
            if (e instanceof Effect.Control c) {
                answers.start(c.clientToken(), receivedAt);
            }
        }
    }

    /** The broker took a control. */
    public void controlPublished(Outbox.Entry control) {
        long ms = answers.finish(control.webhookId());
        if (ms >= 0 && answerLatency != null) {
            answerLatency.record(ms, TimeUnit.MILLISECONDS);
        }
    }

    private void delivery(String type, String outcome) {
        deliveries.computeIfAbsent(type + "/" + outcome, k -> Counter.builder("callbridge.webhooks.deliveries")
                .tag("type", type).tag("outcome", outcome).description("Webhook attempts, by event type and outcome")
                .register(registry)).increment();
    }
}
