package io.callbridge.mqtt;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;

/**
 * Sockets with Nagle's algorithm off for CallBridge's MQTT connections. Paho leaves it on, so a PUBACK or a reply
 * written while an earlier small segment is unacknowledged waits for the peer's delayed ACK (40 ms on Linux). A broker
 * that sends a persistent session's next message only once the previous one is acknowledged (HiveMQ) then delivers
 * one report per 40 ms: the floor of ring latency on the embedded broker.
 */
public final class NoDelaySockets {

    private NoDelaySockets() {
    }

    /** Sets the options' socket factory for {@code brokerUrl}, keeping one that was set on purpose. */
    public static MqttConnectionOptions apply(MqttConnectionOptions options, String brokerUrl) {
        SocketFactory given = options.getSocketFactory();
        if (brokerUrl.startsWith("tcp://") && given == null) {
            options.setSocketFactory(new Plain(SocketFactory.getDefault()));
        } else if (brokerUrl.startsWith("ssl://") && (given == null || given instanceof SSLSocketFactory)
                && !(given instanceof Tls)) {
            SSLSocketFactory tls = given == null ? (SSLSocketFactory) SSLSocketFactory.getDefault()
                    : (SSLSocketFactory) given;
            options.setSocketFactory(new Tls(tls));
        }
        return options;
    }

    static <S extends Socket> S noDelay(S socket) throws IOException {
        socket.setTcpNoDelay(true);
        return socket;
    }

    static final class Plain extends SocketFactory {
        private final SocketFactory delegate;

        Plain(SocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(delegate.createSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }
    }

    static final class Tls extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        Tls(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return noDelay(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
