package io.callbridge.broker;

/** The embedded MQTT broker could not be started on the requested address. */
public class BrokerStartException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String host;
    private final int port;

    public BrokerStartException(String host, int port, String reason, Throwable cause) {
        super("Cannot start embedded MQTT broker on " + host + ":" + port + ": " + reason, cause);
        this.host = host;
        this.port = port;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }
}
