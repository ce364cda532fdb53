package io.callbridge.mqtt;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.Test;

class NoDelaySocketsTest {

    @Test
    void tcpConnectionsGetSocketsWithNagleOff() throws Exception {
        MqttConnectionOptions options = NoDelaySockets.apply(new MqttConnectionOptions(), "tcp://127.0.0.1:1883");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket socket = options.getSocketFactory().createSocket()) {
            // Paho creates the socket unconnected, then connects it: the option must survive the connect.
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 5_000);
            assertTrue(socket.getTcpNoDelay());
        }
        try (Socket plain = SocketFactory.getDefault().createSocket()) {
            assertFalse(plain.getTcpNoDelay(), "the JDK's default, which this class exists to change");
        }
    }

    @Test
    void tlsConnectionsKeepAnSslFactoryWithNagleOff() throws Exception {
        MqttConnectionOptions options = NoDelaySockets.apply(new MqttConnectionOptions(), "ssl://broker:8883");
        SSLSocketFactory factory = assertInstanceOf(SSLSocketFactory.class, options.getSocketFactory());
        try (Socket socket = factory.createSocket()) {
            assertTrue(socket.getTcpNoDelay());
        }
        assertSame(factory, NoDelaySockets.apply(options, "ssl://broker:8883").getSocketFactory(), "not wrapped twice");
    }

    @Test
    void aFactorySetOnPurposeIsKept() {
        SocketFactory own = SocketFactory.getDefault();
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setSocketFactory(own);
        assertSame(own, NoDelaySockets.apply(options, "tcp://127.0.0.1:1883").getSocketFactory());
        assertNull(NoDelaySockets.apply(new MqttConnectionOptions(), "ws://127.0.0.1:80").getSocketFactory());
    }
}
