package io.callbridge.p2p;

import io.callbridge.thing.DeviceId;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * {@code p2p:ProductId/DeviceName} or {@code p2p:*}. As a consumer, the relay's events (all devices for
 * {@code *}); as a producer, a command to that device: built from {@code action}, {@code channel}, {@code cmd},
 * {@code type}, {@code quality}, or taken whole from the {@code CallBridgeP2pCommand} header.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "p2p", title = "P2P signaling relay", syntax = "p2p:device",
        category = Category.NETWORKING, headersClass = P2pConstants.class)
public class P2pEndpoint extends DefaultEndpoint {

    @UriPath(description = "ProductId/DeviceName, or * for every device (consumer only)")
    @Metadata(required = true)
    private final DeviceId device;
    @UriParam(label = "consumer", description = "Comma-separated event types to receive; all when empty")
    private String events;
    @UriParam(label = "producer", defaultValue = "inner_define", enums = "inner_define,user_define")
    private String action = "inner_define";
    @UriParam(label = "producer", defaultValue = "0")
    private int channel;
    @UriParam(label = "producer")
    private String cmd;
    @UriParam(label = "producer", enums = "live,voice,playback")
    private String type;
    @UriParam(label = "producer", enums = "standard,high,super")
    private String quality;
    @UriParam(label = "consumer", defaultValue = "8",
            description = "Threads the route runs on, off the relay's event loop; each device's events stay in order")
    private int workers = 8;
    @UriParam(label = "producer", defaultValue = "10000", javaType = "java.time.Duration",
            description = "How long the producer waits for the device's answer before the exchange fails")
    private long timeout = 10000;

    P2pEndpoint(String uri, P2pComponent component, DeviceId device) {
        super(uri, component);
        this.device = device;
    }

    @Override
    public P2pComponent getComponent() {
        return (P2pComponent) super.getComponent();
    }

    public DeviceId getDevice() {
        return device;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        P2pConsumer consumer = new P2pConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        if (device == null) {
            throw new IllegalArgumentException("p2p:* receives events only; send to p2p:ProductId/DeviceName");
        }
        return new P2pProducer(this);
    }

    /** The command the producer sends when no header gives one. */
    String command() {
        if (cmd == null || cmd.isEmpty()) {
            throw new IllegalArgumentException("p2p producer: set cmd (or the " + P2pConstants.COMMAND + " header)");
        }
        StringBuilder s = new StringBuilder("action=").append(action).append("&channel=").append(channel)
                .append("&cmd=").append(cmd);
        if (type != null) {
            s.append("&type=").append(type);
        }
        if (quality != null) {
            s.append("&quality=").append(quality);
        } else if (P2pCommand.GET_DEVICE_ST.equals(cmd)) {
            // The grammar wants a quality; p2p:P/D?cmd=get_device_st&type=voice asks at the standard one.
            s.append("&quality=standard");
        }
        return s.toString();
    }

    public String getEvents() {
        return events;
    }

    /** Comma-separated event types the consumer receives (e.g. VOICE_CLOSED,DEVICE_DISCONNECTED); all when empty. */
    public void setEvents(String events) {
        this.events = events;
    }

    public String getAction() {
        return action;
    }

    /** inner_define (built-in commands) or user_define (custom). */
    public void setAction(String action) {
        this.action = action;
    }

    public int getChannel() {
        return channel;
    }

    /** 0 for a camera, the sub-channel for an NVR. */
    public void setChannel(int channel) {
        this.channel = channel;
    }

    public String getCmd() {
        return cmd;
    }

    /** The command, e.g. get_device_st. */
    public void setCmd(String cmd) {
        this.cmd = cmd;
    }

    public String getType() {
        return type;
    }

    /** For get_device_st: live, voice or playback. */
    public void setType(String type) {
        this.type = type;
    }

    public String getQuality() {
        return quality;
    }

    /** For get_device_st: standard, high or super. */
    public void setQuality(String quality) {
        this.quality = quality;
    }

    public int getWorkers() {
        return workers;
    }

    /** Threads the consumer's route runs on (at least 1). */
    public void setWorkers(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        }
        this.workers = workers;
    }

    public long getTimeout() {
        return timeout;
    }

    /** Milliseconds the producer waits for the answer (a Duration in a URI: timeout=5s). */
    public void setTimeout(long timeout) {
        if (timeout <= 0) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
        this.timeout = timeout;
    }
}
