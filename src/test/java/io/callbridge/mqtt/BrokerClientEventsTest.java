package io.callbridge.mqtt;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The lines and events as Mosquitto 2.0.11 (seen on this machine) and EMQX 5 (its documentation) publish them. */
class BrokerClientEventsTest {

    private static Optional<BrokerClientEvents.Change> parse(String topic, String payload) {
        return BrokerClientEvents.parse(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static Optional<BrokerClientEvents.Change> log(String line) {
        return parse(BrokerClientEvents.MOSQUITTO_LOG, line);
    }

    @Test
    void mosquittoConnectsWithAndWithoutAUsername() {
        assertEquals(Optional.of(new BrokerClientEvents.Change("ABCDEFGHIJdoor-1", true, 1796179492000L)), log(
                "1796179492: New client connected from 127.0.0.1:59664 as ABCDEFGHIJdoor-1 (p2, c1, k60,"
                        + " u'ABCDEFGHIJdoor-1;12010126;abcde;1700000000')."));
        assertEquals(Optional.of(new BrokerClientEvents.Change("P1door-3", true, 1796179493000L)), log(
                "1796179493: New client connected from 127.0.0.1:59678 as P1door-3 (p2, c1, k60)."));
        // log_timestamp false: no time
        assertEquals(Optional.of(new BrokerClientEvents.Change("P1door-3", true, 0)), log(
                "New client connected from [::1]:59678 as P1door-3 (p5, c0, k30)."));
    }

    @Test
    void mosquittoSaysALeavingClientInSeveralWays() {
        for (String line : new String[] {"Client P1door-3 disconnected.", "Client P1door-3 closed its connection.",
                "Client P1door-3 has exceeded timeout, disconnecting.", "Socket error on client P1door-3, disconnecting.",
                "Client P1door-3 disconnected due to protocol error.", "Client P1door-3 disconnected, not authorised."}) {
            assertEquals(Optional.of(new BrokerClientEvents.Change("P1door-3", false, 1796179493000L)),
                    log("1796179493: " + line), line);
        }
    }

    @Test
    void aUsernameMadeTheClientIdNamesTheDeviceByItsClientIdPart() {
        assertEquals(Optional.of(new BrokerClientEvents.Change("ABCDEFGHIJdoor-1", false, 1000)), log(
                "1: Client ABCDEFGHIJdoor-1;12010126;00000;4294967295 disconnected."));
    }

    @Test
    void mosquittoLinesThatSayNoChangeOfPresence() {
        for (String line : new String[] {"1: New connection from 127.0.0.1:59664 on port 1883.",
                "1: Client P1door-3 already connected, closing old connection.",
                "1: Client <unknown> closed its connection.", "1: Outgoing messages are being dropped for client P1door-3.",
                "1: mosquitto version 2.0.11 running", "", "1: Saving in-memory database to /var/lib/mosquitto/."}) {
            assertEquals(Optional.empty(), log(line), line);
        }
    }

    @Test
    void emqxClientEvents() {
        assertEquals(Optional.of(new BrokerClientEvents.Change("P1door-3", true, 1625572213873L)), parse(
                "$SYS/brokers/emqx@127.0.0.1/clients/P1door-3/connected", "{\"username\":\"foo\",\"ts\":1625572213873,"
                        + "\"proto_ver\":4,\"clientid\":\"P1door-3\",\"connected_at\":1625572213873}"));
        assertEquals(Optional.of(new BrokerClientEvents.Change("P1door-3", false, 1582688032203L)), parse(
                "$SYS/brokers/emqx@127.0.0.1/clients/P1door-3/disconnected",
                "{\"ts\":1582688032203,\"reason\":\"tcp_closed\",\"clientid\":\"P1door-3\"}"));
        // The old connection of a client that connected again elsewhere: it is online all the same.
        assertEquals(Optional.empty(), parse("$SYS/brokers/emqx@10.0.0.2/clients/P1door-3/disconnected",
                "{\"ts\":1,\"reason\":\"takenover\",\"clientid\":\"P1door-3\"}"));
        // Not JSON: the topic still says who.
        assertEquals(Optional.of(new BrokerClientEvents.Change("P1door-3", false, 0)), parse(
                "$SYS/brokers/n1/clients/P1door-3/disconnected", "gone"));
        assertEquals(Optional.empty(), parse("$SYS/brokers/n1/clients/P1door-3/subscribed", "{}"));
        assertEquals(Optional.empty(), parse("$SYS/brokers/n1/stats/connections/count", "3"));
    }
}
