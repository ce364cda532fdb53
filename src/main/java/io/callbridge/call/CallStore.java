package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where calls and device states live. Writes are compare-and-set on versions, so two writers (threads, or
 * instances sharing a database) can never both win a transition.
 */
public interface CallStore {

    Optional<Call> find(String callId);

    /** The device's call that has not ended, if any. */
    Optional<Call> active(DeviceId device);

    /** Calls matching the query, newest first. */
    List<Call> search(CallQuery query);

    /** The device's calls, newest first. */
    default List<Call> byDevice(DeviceId device, int limit) {
        return search(CallQuery.ofDevice(device, limit));
    }

    /** App users bound to the device: they ring when the device calls without naming anyone. */
    List<String> boundUsers(DeviceId device);

    /** Replaces the users bound to the device. */
    void bindUsers(DeviceId device, List<String> users);

    /** The device's secret (base64), with which it signs in to the P2P relay. */
    Optional<String> deviceSecret(DeviceId device);

    /** A registered device and its secret (base64). */
    record Registered(DeviceId device, String secret) {
    }

    /** The registered device whose platform client id ({@code {ProductId}{DeviceName}}) this is. */
    Optional<Registered> deviceByClientId(String clientId);

    /** Every registered device with its secret, in device id order. */
    List<Registered> registeredDevices();

    /** Sets the device's secret, or removes it when {@code base64Secret} is null. */
    void setDeviceSecret(DeviceId device, String base64Secret);

    /** Whether the user is bound to the device. */
    default boolean isBound(DeviceId device, String userId) {
        return boundUsers(device).contains(userId);
    }

    Optional<DeviceState> deviceState(DeviceId device);

    /** A control the device has not answered: its clientToken and params, as it was sent. */
    record KeptControl(DeviceId device, String clientToken, java.util.Map<String, Object> params) {
        public KeptControl {
            params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
        }
    }

    /**
     * The device's newest control that it has not answered nor cleared; a commit whose decision sends a control
     * keeps it (replacing the one before).
     */
    Optional<KeptControl> keptControl(DeviceId device);

    /** What the device last said of itself ({@code report_info}'s params), replacing what it said before. */
    void setDeviceInfo(DeviceId device, java.util.Map<String, Object> info);

    Optional<java.util.Map<String, Object>> deviceInfo(DeviceId device);

    /** Forgets the device's kept control: only if it is this one ({@code clientToken}), or any when null. */
    boolean forgetKeptControl(DeviceId device, String clientToken);

    /** Active calls whose deadline is at or before {@code now}. */
    List<Call> due(Instant now, int limit);

    /**
     * Writes the decision's call and device state if what is stored is still what the decision started from
     * (same versions, and no other active call for the device); false when another writer got there first.
     */
    boolean commit(Decision decision);

    /**
     * {@link #commit} without waiting, so that many decisions (the deadlines due at one tick) can share one
     * transaction in a store that batches its writes.
     */
    default CompletableFuture<Boolean> commitAsync(Decision decision) {
        try {
            return CompletableFuture.completedFuture(commit(decision));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
