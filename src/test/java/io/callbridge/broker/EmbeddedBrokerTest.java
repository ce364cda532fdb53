package io.callbridge.broker;

import io.callbridge.sim.MqttMessages;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedBrokerTest {

    private static final String HOST = "127.0.0.1";
    // Generous: the first HiveMQ start in a cold JVM on 2 cores takes several seconds.
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;

    @Test
    void deliversMessagesOnDollarThingTopics() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(HOST, freePort(), dataDir, START_TIMEOUT)) {
            assertEquals("tcp://" + HOST + ":" + broker.port(), broker.url());

            BlockingQueue<String[]> received = new LinkedBlockingQueue<>();
            MqttClient subscriber = connect(broker, "sub-" + broker.port());
            MqttClient publisher = connect(broker, "pub-" + broker.port());
            try {
                // setCallback + subscribe(topic, qos): the listener overload recurses in Paho 1.2.5.
                subscriber.setCallback(MqttMessages.onMessage((topic, message) -> received.add(
                        new String[] {topic, new String(message.getPayload(), StandardCharsets.UTF_8)})));
                subscriber.subscribe("$thing/up/property/+/+", 1).waitForCompletion(10_000);

                publisher.publish("$thing/up/property/PROD/dev01",
                        "{\"temp\":21.5}".getBytes(StandardCharsets.UTF_8), 1, false);

                String[] message = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(message, "no message arrived within 10 s");
                assertEquals("$thing/up/property/PROD/dev01", message[0]);
                assertEquals("{\"temp\":21.5}", message[1]);
                // HiveMQ CE's default would have disconnected the publisher (reason 130) for a '$' topic.
                assertTrue(publisher.isConnected(), "publisher was disconnected");
            } finally {
                disconnectQuietly(publisher);
                disconnectQuietly(subscriber);
            }
        }
    }

    @Test
    void writesInMemoryConfigUnderDataDir() throws Exception {
        Path nested = dataDir.resolve("does/not/exist/yet");
        try (EmbeddedBroker broker = EmbeddedBroker.start(HOST, freePort(), nested, START_TIMEOUT)) {
            String config = Files.readString(nested.resolve("hivemq/conf/config.xml"));
            assertTrue(config.contains("<port>" + broker.port() + "</port>"), config);
            assertTrue(config.contains("<bind-address>" + HOST + "</bind-address>"), config);
            assertTrue(config.contains("<mode>in-memory</mode>"), config);
            assertTrue(Files.isDirectory(nested.resolve("hivemq/extensions")));
        }
    }

    @Test
    void secondBrokerOnSamePortFailsFastNamingThePort() throws Exception {
        try (EmbeddedBroker first = EmbeddedBroker.start(HOST, freePort(), dataDir.resolve("first"), START_TIMEOUT)) {
            long t0 = System.nanoTime();
            BrokerStartException e = assertThrows(BrokerStartException.class,
                    () -> EmbeddedBroker.start(HOST, first.port(), dataDir.resolve("second"), START_TIMEOUT));
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            assertTrue(e.getMessage().contains(String.valueOf(first.port())), e.getMessage());
            assertTrue(e.getMessage().contains(HOST), e.getMessage());
            assertEquals(first.port(), e.port());
            assertTrue(elapsedMs < 2_000, "took " + elapsedMs + " ms, expected to fail fast");
        }
    }

    @Test
    void closeIsIdempotentAndReleasesThePort() throws Exception {
        EmbeddedBroker broker = EmbeddedBroker.start(HOST, freePort(), dataDir, START_TIMEOUT);
        assertDoesNotThrow(broker::close);
        assertDoesNotThrow(broker::close);

        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            assertDoesNotThrow(() -> socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), broker.port())),
                    "port still bound after close()");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }

    private static MqttClient connect(EmbeddedBroker broker, String clientId) throws MqttException {
        MqttClient client = new MqttClient(broker.url(), clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        client.connect(options);
        return client;
    }

    @Test
    void aNewFolderGetsFewBucketsAndAnOldOneKeepsHiveMqsCount() throws Exception {
        Path fresh = Files.createDirectories(dataDir.resolve("fresh"));
        int buckets = EmbeddedBroker.buckets(fresh);
        assertEquals(Math.max(4, Runtime.getRuntime().availableProcessors()), buckets);
        Files.createDirectories(fresh.resolve("persistence"));
        assertEquals(buckets, EmbeddedBroker.buckets(fresh), "a folder keeps the count it was made with");

        Path old = Files.createDirectories(dataDir.resolve("old/persistence")).getParent();
        assertEquals(64, EmbeddedBroker.buckets(old), "files made by HiveMQ's default layout");
        assertEquals(64, EmbeddedBroker.buckets(old));
    }

    @Test
    void fileBrokerKeepsAQueuedMessageForAnAbsentSessionAcrossARestart() throws Exception {
        EmbeddedBroker.Options file = new EmbeddedBroker.Options(1000, true, 10);
        int port = freePort();
        String topic = "$thing/up/property/PROD/dev02";
        try (EmbeddedBroker broker = EmbeddedBroker.start(HOST, port, dataDir, START_TIMEOUT, file)) {
            MqttClient subscriber = connectPersistent(broker, "kept-" + port);
            subscriber.subscribe(topic, 1).waitForCompletion(10_000);
            subscriber.disconnect(2_000);
            subscriber.close();
            MqttClient publisher = connect(broker, "pub-" + port);
            publisher.publish(topic, "{\"kept\":1}".getBytes(StandardCharsets.UTF_8), 1, false);
            disconnectQuietly(publisher);
        }
        try (EmbeddedBroker broker = EmbeddedBroker.start(HOST, port, dataDir, START_TIMEOUT, file)) {
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            MqttClient subscriber = new MqttClient(broker.url(), "kept-" + port, new MemoryPersistence());
            subscriber.setCallback(MqttMessages.onMessage((t, message) ->
                    received.add(new String(message.getPayload(), StandardCharsets.UTF_8))));
            MqttConnectionOptions options = persistentOptions();
            subscriber.connect(options);
            try {
                assertEquals("{\"kept\":1}", received.poll(20, TimeUnit.SECONDS), "the queued message was lost");
            } finally {
                disconnectQuietly(subscriber);
            }
        }
    }

    private static MqttClient connectPersistent(EmbeddedBroker broker, String clientId) throws MqttException {
        MqttClient client = new MqttClient(broker.url(), clientId, new MemoryPersistence());
        client.connect(persistentOptions());
        return client;
    }

    private static MqttConnectionOptions persistentOptions() {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(false);
        options.setSessionExpiryInterval(3600L);
        options.setConnectionTimeout(10);
        options.setAutomaticReconnect(false);
        return options;
    }

    private static void disconnectQuietly(MqttClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect(2_000);
            }
            client.close();
        } catch (MqttException e) {
            // Teardown only.
        }
    }
}
