package io.callbridge.mqtt;

import java.util.ArrayDeque;

/**
 * Acknowledges QoS 1 messages in the order they arrived, as MQTT requires of a client (MQTT 5, 4.6), although
 * they finish in any order: messages of different devices are handled in parallel. A message is acknowledged
 * once it and every message that arrived before it have finished.
 * <p>
 * One instance per connection: after a reconnect the broker sends again what was not acknowledged, so the
 * acknowledgements owed on a lost connection are dropped with it ({@link #retire}).
 */
public final class InOrderAcks {

    /** Sends one acknowledgement; called in arrival order, by whichever thread finished the oldest message. */
    @FunctionalInterface
    public interface Sender {
        void ack(int messageId, int qos);
    }

    /** One message's place in line. */
    public final class Ticket {
        private final int messageId;
        private final int qos;
        private boolean done;

        private Ticket(int messageId, int qos) {
            this.messageId = messageId;
            this.qos = qos;
        }

        /** The message is finished with: acknowledges it and any finished ones behind it that now lead. */
        public void done() {
            InOrderAcks.this.done(this);
        }
    }

    private final Sender sender;
    private final ArrayDeque<Ticket> line = new ArrayDeque<>();
    private boolean retired;
    private long acked;

    public InOrderAcks(Sender sender) {
        this.sender = sender;
    }

    /** A message arrived: it takes its place at the end of the line. */
    public synchronized Ticket arrived(int messageId, int qos) {
        Ticket t = new Ticket(messageId, qos);
        if (qos > 0 && !retired) {
            line.add(t);
        } else {
            t.done = true;
        }
        return t;
    }

    /** Messages that arrived and are not acknowledged yet. */
    public synchronized int waiting() {
        return line.size();
    }

    public synchronized long acked() {
        return acked;
    }

    /** The connection is gone: nothing more is acknowledged on it. */
    public synchronized void retire() {
        retired = true;
        line.clear();
    }

    private synchronized void done(Ticket t) {
        if (t.done) {
            return;
        }
        t.done = true;
        while (!retired && !line.isEmpty() && line.peek().done) {
            Ticket head = line.poll();
            acked++;
            sender.ack(head.messageId, head.qos);
        }
    }
}
