package io.callbridge.push;

import io.callbridge.thing.DeviceId;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppPushHubTest {

    static final DeviceId DOOR = new DeviceId("P1", "door");
    static final DeviceId GATE = new DeviceId("P1", "gate");

    static final class FakeSession implements AppPushHub.Session {
        final List<String> got = new ArrayList<>();
        boolean full;
        String closed;

        @Override
        public boolean offer(String text) {
            if (full) {
                return false;
            }
            got.add(text);
            return true;
        }

        @Override
        public void close(String reason) {
            closed = reason;
        }
    }

    @Test
    void pushesReachOnlyTheDevicesWatchers() {
        AppPushHub hub = new AppPushHub();
        FakeSession a = new FakeSession();
        FakeSession b = new FakeSession();
        hub.watch(a, List.of(DOOR));
        hub.watch(b, List.of(GATE));
        assertEquals(1, hub.push(DOOR, seq -> "door-" + seq));
        assertEquals(List.of("door-1"), a.got);
        assertEquals(List.of(), b.got);
        assertFalse(hub.watched(new DeviceId("P1", "nobody")));
        assertEquals(0, hub.push(new DeviceId("P1", "nobody"), seq -> "x"), "nobody watches: nothing made");
    }

    @Test
    void watchingAgainReplacesTheSetAndLeavingForgetsIt() {
        AppPushHub hub = new AppPushHub();
        FakeSession a = new FakeSession();
        hub.watch(a, List.of(DOOR, GATE));
        hub.watch(a, List.of(GATE));
        assertEquals(Set.of(GATE), hub.watching(a));
        assertFalse(hub.watched(DOOR));
        hub.leave(a);
        assertFalse(hub.watched(GATE));
        assertEquals(0, hub.sessions());
    }

    @Test
    void aSlowConnectionIsClosedAndTheOthersStillServed() {
        AppPushHub hub = new AppPushHub();
        FakeSession slow = new FakeSession();
        FakeSession fine = new FakeSession();
        slow.full = true;
        hub.watch(slow, List.of(DOOR));
        hub.watch(fine, List.of(DOOR));
        assertEquals(1, hub.push(DOOR, seq -> "ring"));
        assertTrue(slow.closed.contains("too slow"), slow.closed);
        assertEquals(List.of("ring"), fine.got);
        assertEquals(Set.of(), hub.watching(slow), "a closed connection watches nothing");
        assertEquals(1, hub.closedSlow());
        hub.push(DOOR, seq -> "again");
        assertEquals(List.of("ring", "again"), fine.got);
    }
}
