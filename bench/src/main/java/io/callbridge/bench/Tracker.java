package io.callbridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one session (one start of a system) sent and got back: rings by device id, webhooks by type, device
 * replies. Webhooks are matched to rings by {@code data.device} and {@code type}; replies by the down topic's
 * device. Every device id rings once per session, so a late webhook lands on its own ring and never on a newer one.
 */
final class Tracker {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Hooks of the whole-call phase: it sees the events of the devices it drives. */
    interface CallListener {
        void onWebhook(String type, String device, JsonNode data, long nowNs);

        void onDown(String device, JsonNode message, long nowNs);
    }

    final Map<String, Ring> rings = new ConcurrentHashMap<>(1 << 16);
    final Map<String, CallListener> calls = new ConcurrentHashMap<>();

    final LongAdder webhooks = new LongAdder();
    final LongAdder webhookBadSignature = new LongAdder();
    final LongAdder webhookDuplicateId = new LongAdder();
    final LongAdder webhookUnparsable = new LongAdder();
    final LongAdder ringingUnmatched = new LongAdder();
    final LongAdder ringingDuplicate = new LongAdder();
    final Map<String, LongAdder> webhookTypes = new ConcurrentHashMap<>();
    final Map<String, Boolean> webhookIds = new ConcurrentHashMap<>(1 << 16);

    final LongAdder downMessages = new LongAdder();
    final LongAdder replies = new LongAdder();
    final LongAdder replyNonZero = new LongAdder();
    final LongAdder replyUnmatched = new LongAdder();
    final LongAdder controls = new LongAdder();
    final LongAdder uplinkSeen = new LongAdder();
    final LongAdder publishErrors = new LongAdder();
    final Map<Integer, LongAdder> replyCodes = new ConcurrentHashMap<>();

    /** Latest arrival (webhook call.ringing, or subscriber copy) of any ring, System.nanoTime; for "nothing new". */
    final AtomicLong lastArrivalNs = new AtomicLong();
    final AtomicLong lastReplyNs = new AtomicLong();

    Ring add(Ring ring) {
        rings.put(ring.device, ring);
        return ring;
    }

    /** A webhook that reached the receiver, signature already checked. */
    void onWebhook(boolean signatureOk, String webhookId, byte[] body, long nowNs) {
        webhooks.increment();
        if (!signatureOk) {
            // The app's server would refuse it: it does not count as delivered.
            webhookBadSignature.increment();
            return;
        }
        if (webhookId != null && webhookIds.putIfAbsent(webhookId, Boolean.TRUE) != null) {
            webhookDuplicateId.increment();
            return;
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (Exception e) {
            webhookUnparsable.increment();
            return;
        }
        String type = root.path("type").asText("");
        JsonNode data = root.path("data");
        String device = data.path("device").asText(null);
        webhookTypes.computeIfAbsent(type, t -> new LongAdder()).increment();
        if (device == null) {
            return;
        }
        CallListener call = calls.get(device);
        if (call != null) {
            call.onWebhook(type, device, data, nowNs);
        }
        if ("call.ringing".equals(type)) {
            Ring ring = rings.get(device);
            if (ring == null) {
                if (call == null) {
                    ringingUnmatched.increment();
                }
            } else if (ring.arrive(nowNs)) {
                lastArrivalNs.accumulateAndGet(nowNs, Math::max);
            } else {
                ringingDuplicate.increment();
            }
        }
    }

    /** The broker-alone system: the harness subscriber got the device's report. */
    void onUplink(String device, long nowNs) {
        uplinkSeen.increment();
        Ring ring = rings.get(device);
        if (ring != null && ring.arrive(nowNs)) {
            lastArrivalNs.accumulateAndGet(nowNs, Math::max);
        }
    }

    /** A message on a device's down topic. */
    void onDown(String device, byte[] payload, long nowNs) {
        downMessages.increment();
        JsonNode msg;
        try {
            msg = JSON.readTree(payload);
        } catch (Exception e) {
            return;
        }
        String method = msg.path("method").asText("");
        if ("report_reply".equals(method)) {
            replies.increment();
            int code = msg.path("code").asInt(-1);
            if (code != 0) {
                replyNonZero.increment();
                replyCodes.computeIfAbsent(code, c -> new LongAdder()).increment();
            }
            Ring ring = rings.get(device);
            if (ring != null && ring.token.equals(msg.path("clientToken").asText())) {
                ring.reply(code);
                lastReplyNs.accumulateAndGet(nowNs, Math::max);
            } else if (!calls.containsKey(device)) {
                replyUnmatched.increment();
            }
        } else if ("control".equals(method)) {
            controls.increment();
        }
        CallListener call = calls.get(device);
        if (call != null) {
            call.onDown(device, msg, nowNs);
        }
    }

    Map<String, Object> counters() {
        Map<String, Object> m = new TreeMap<>();
        m.put("webhooks", webhooks.sum());
        m.put("webhookBadSignature", webhookBadSignature.sum());
        m.put("webhookDuplicateId", webhookDuplicateId.sum());
        m.put("webhookUnparsable", webhookUnparsable.sum());
        m.put("ringingUnmatched", ringingUnmatched.sum());
        m.put("ringingDuplicate", ringingDuplicate.sum());
        Map<String, Long> types = new TreeMap<>();
        webhookTypes.forEach((k, v) -> types.put(k, v.sum()));
        m.put("webhookTypes", types);
        m.put("downMessages", downMessages.sum());
        m.put("replies", replies.sum());
        m.put("replyNonZero", replyNonZero.sum());
        Map<String, Long> codes = new TreeMap<>();
        replyCodes.forEach((k, v) -> codes.put(Integer.toString(k), v.sum()));
        m.put("replyNonZeroCodes", codes);
        m.put("replyUnmatched", replyUnmatched.sum());
        m.put("controls", controls.sum());
        m.put("uplinkSeenBySubscriber", uplinkSeen.sum());
        m.put("publishErrors", publishErrors.sum());
        return m;
    }
}
