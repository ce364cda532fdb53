package io.callbridge.p2p;

import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

import java.time.Duration;

/** The relay's settings, set on the component (one relay per component). */
@UriParams
public class P2pConfiguration implements Cloneable {

    @UriParam(defaultValue = "127.0.0.1")
    private String host = "127.0.0.1";
    @UriParam(defaultValue = "8090")
    private int port = 8090;
    @UriParam(defaultValue = "5000", javaType = "java.time.Duration")
    private long commandTimeout = 5000;
    @UriParam(defaultValue = "4")
    private int maxAppsPerDevice = 4;
    @UriParam(defaultValue = "60000", javaType = "java.time.Duration")
    private long idleTimeout = 60000;
    @UriParam(defaultValue = "20000", javaType = "java.time.Duration")
    @Metadata(description = "How often the relay pings every connection")
    private long pingInterval = 20000;
    @UriParam(defaultValue = "5000", javaType = "java.time.Duration")
    @Metadata(description = "How often the relay asks again whether each app may still reach its device")
    private long accessCheckInterval = 5000;
    @UriParam(defaultValue = "10000", javaType = "java.time.Duration")
    @Metadata(description = "A connection not upgraded to a WebSocket by then is closed")
    private long handshakeTimeout = 10000;
    @UriParam(defaultValue = "10000")
    @Metadata(description = "Open connections at most; past it new ones are closed at once")
    private int maxConnections = 10000;
    @UriParam
    @Metadata(description = "A PKCS12 or JKS key store: the relay serves wss:// with its key; unset, ws://")
    private String keyStore;
    @UriParam(secret = true)
    @Metadata(description = "The key store's password")
    private String keyStorePassword;
    @UriParam(secret = true)
    @Metadata(description = "The key's password; the key store's when unset")
    private String keyPassword;

    public String getHost() {
        return host;
    }

    /** Address the relay's WebSocket server binds. */
    public void setHost(String host) {
        this.host = host;
    }

    public int getPort() {
        return port;
    }

    /** Port of the relay's WebSocket server (0: any free port). */
    public void setPort(int port) {
        this.port = port;
    }

    public long getCommandTimeout() {
        return commandTimeout;
    }

    /** Milliseconds a device has to answer a command before the "no answer" event (1007). */
    public void setCommandTimeout(long commandTimeout) {
        this.commandTimeout = commandTimeout;
    }

    public int getMaxAppsPerDevice() {
        return maxAppsPerDevice;
    }

    /** Apps one device serves at once; the next one is refused with status 405 and close code 1008. */
    public void setMaxAppsPerDevice(int maxAppsPerDevice) {
        this.maxAppsPerDevice = maxAppsPerDevice;
    }

    public long getIdleTimeout() {
        return idleTimeout;
    }

    /** Milliseconds without a frame or pong after which a connection is closed. */
    public void setIdleTimeout(long idleTimeout) {
        this.idleTimeout = idleTimeout;
    }

    public long getPingInterval() {
        return pingInterval;
    }

    /** Milliseconds between keepalive pings. */
    public void setPingInterval(long pingInterval) {
        this.pingInterval = pingInterval;
    }

    public long getAccessCheckInterval() {
        return accessCheckInterval;
    }

    /** Milliseconds between checks that each app may still reach its device (a callee's right ends with the call). */
    public void setAccessCheckInterval(long accessCheckInterval) {
        this.accessCheckInterval = accessCheckInterval;
    }

    public long getHandshakeTimeout() {
        return handshakeTimeout;
    }

    /** Milliseconds a connection has to become a WebSocket before it is closed. */
    public void setHandshakeTimeout(long handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
    }

    public int getMaxConnections() {
        return maxConnections;
    }

    /** Open connections the relay holds at most. */
    public void setMaxConnections(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    public String getKeyStore() {
        return keyStore;
    }

    /** A PKCS12 or JKS key store: the relay serves wss:// with its key. */
    public void setKeyStore(String keyStore) {
        this.keyStore = keyStore;
    }

    public String getKeyStorePassword() {
        return keyStorePassword;
    }

    /** The key store's password. */
    public void setKeyStorePassword(String keyStorePassword) {
        this.keyStorePassword = keyStorePassword;
    }

    public String getKeyPassword() {
        return keyPassword;
    }

    /** The key's password; the key store's when unset. */
    public void setKeyPassword(String keyPassword) {
        this.keyPassword = keyPassword;
    }

    P2pRelay.Settings settings() {
        return new P2pRelay.Settings(host, port, Duration.ofMillis(commandTimeout), maxAppsPerDevice,
                Duration.ofMillis(idleTimeout), Duration.ofMillis(pingInterval), Duration.ofMillis(accessCheckInterval),
                Duration.ofMillis(handshakeTimeout), maxConnections, keyStore == null ? null
                        : new P2pRelay.KeyStore(keyStore, keyStorePassword == null ? "" : keyStorePassword,
                                keyPassword != null ? keyPassword : keyStorePassword == null ? "" : keyStorePassword));
    }
}
