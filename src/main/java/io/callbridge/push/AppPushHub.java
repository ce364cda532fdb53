package io.callbridge.push;

import io.callbridge.thing.DeviceId;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which app connections watch which devices, and the fan-out of pushes to them. A connection that cannot take a
 * push at once (its send queue is full: a slow or dead app) is closed, never waited for, so no push holds up
 * another or the device's report.
 */
public final class AppPushHub {

    /** One app connection. */
    public interface Session {
        /** Queues the text for sending; false when the connection's queue is full. */
        boolean offer(String text);

        void close(String reason);
    }

    private final ConcurrentHashMap<DeviceId, Set<Session>> watchers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Session, Set<DeviceId>> watched = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicLong closedSlow = new AtomicLong();

    /** The session watches these devices from now on, and no others. */
    public void watch(Session session, Collection<DeviceId> devices) {
        Set<DeviceId> now = Set.copyOf(devices);
        Set<DeviceId> before = watched.put(session, now);
        if (before != null) {
            before.stream().filter(d -> !now.contains(d)).forEach(d -> unwatch(d, session));
        }
        now.forEach(d -> watchers.computeIfAbsent(d, k -> ConcurrentHashMap.newKeySet()).add(session));
    }

    public Set<DeviceId> watching(Session session) {
        return watched.getOrDefault(session, Set.of());
    }

    /** The connection is gone. */
    public void leave(Session session) {
        Set<DeviceId> before = watched.remove(session);
        if (before != null) {
            before.forEach(d -> unwatch(d, session));
        }
    }

    private void unwatch(DeviceId device, Session session) {
        watchers.computeIfPresent(device, (d, set) -> {
            set.remove(session);
            return set.isEmpty() ? null : set;
        });
    }

    /** Sends the push made for this sequence number to every connection watching the device; how many took it. */
    public int push(DeviceId device, java.util.function.LongFunction<String> message) {
        Set<Session> sessions = watchers.get(device);
        if (sessions == null || sessions.isEmpty()) {
            return 0;
        }
        String text = message.apply(seq.incrementAndGet());
        int sent = 0;
        for (Session s : sessions) {
            if (s.offer(text)) {
                sent++;
            } else {
                closedSlow.incrementAndGet();
                leave(s);
                s.close("too slow: pushes were waiting unsent");
            }
        }
        return sent;
    }

    /** Whether anyone watches the device (so that pushes nobody takes cost nothing to make). */
    public boolean watched(DeviceId device) {
        Set<Session> sessions = watchers.get(device);
        return sessions != null && !sessions.isEmpty();
    }

    /** A sequence number for a push made elsewhere (and relayed to the hubs of every instance). */
    public long nextSeq() {
        return seq.incrementAndGet();
    }

    public int sessions() {
        return watched.size();
    }

    /** Connections closed because they could not keep up. */
    public long closedSlow() {
        return closedSlow.get();
    }
}
