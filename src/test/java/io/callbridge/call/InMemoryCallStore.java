package io.callbridge.call;

import io.callbridge.thing.DeviceId;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** The store for one instance without a database: everything is lost on restart. */
public final class InMemoryCallStore implements CallStore {

    private final Map<String, Call> calls = new HashMap<>();
    private final Map<DeviceId, String> activeByDevice = new HashMap<>();
    private final Map<DeviceId, DeviceState> states = new HashMap<>();
    private final Map<DeviceId, List<String>> bindings = new HashMap<>();
    private final Map<DeviceId, String> secrets = new HashMap<>();
    private final Map<DeviceId, KeptControl> kept = new HashMap<>();
    private final Map<DeviceId, Map<String, Object>> info = new HashMap<>();

    @Override
    public synchronized Optional<Call> find(String callId) {
        return Optional.ofNullable(calls.get(callId));
    }

    @Override
    public synchronized Optional<Call> active(DeviceId device) {
        return Optional.ofNullable(activeByDevice.get(device)).map(calls::get);
    }

    @Override
    public synchronized List<Call> search(CallQuery query) {
        return calls.values().stream().filter(query::matches)
                .sorted(Comparator.comparing(Call::createdAt).reversed()).skip(query.offset()).limit(query.limit())
                .toList();
    }

    @Override
    public synchronized List<String> boundUsers(DeviceId device) {
        return bindings.getOrDefault(device, List.of());
    }

    @Override
    public synchronized void bindUsers(DeviceId device, List<String> users) {
        bindings.put(device, List.copyOf(users));
    }

    @Override
    public synchronized Optional<String> deviceSecret(DeviceId device) {
        return Optional.ofNullable(secrets.get(device));
    }

    @Override
    public synchronized Optional<Registered> deviceByClientId(String clientId) {
        return secrets.entrySet().stream()
                .filter(e -> io.callbridge.thing.DeviceCredentials.clientId(e.getKey()).equals(clientId))
                .map(e -> new Registered(e.getKey(), e.getValue())).findFirst();
    }

    @Override
    public synchronized List<Registered> registeredDevices() {
        return secrets.entrySet().stream().map(e -> new Registered(e.getKey(), e.getValue()))
                .sorted(java.util.Comparator.comparing(r -> r.device().toString())).toList();
    }

    @Override
    public synchronized void setDeviceSecret(DeviceId device, String base64Secret) {
        if (base64Secret == null) {
            secrets.remove(device);
        } else {
            secrets.put(device, base64Secret);
        }
    }

    @Override
    public synchronized void setDeviceInfo(DeviceId device, Map<String, Object> values) {
        info.put(device, java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(values)));
    }

    @Override
    public synchronized Optional<Map<String, Object>> deviceInfo(DeviceId device) {
        return Optional.ofNullable(info.get(device));
    }

    @Override
    public synchronized Optional<KeptControl> keptControl(DeviceId device) {
        return Optional.ofNullable(kept.get(device));
    }

    @Override
    public synchronized boolean forgetKeptControl(DeviceId device, String clientToken) {
        KeptControl k = kept.get(device);
        if (k == null || clientToken != null && !clientToken.equals(k.clientToken())) {
            return false;
        }
        kept.remove(device);
        return true;
    }

    @Override
    public synchronized Optional<DeviceState> deviceState(DeviceId device) {
        return Optional.ofNullable(states.get(device));
    }

    @Override
    public synchronized List<Call> due(Instant now, int limit) {
        List<Call> due = new ArrayList<>();
        for (String id : activeByDevice.values()) {
            if (due.size() >= limit) {
                break;
            }
            Call c = calls.get(id);
            if (c.deadline() != null && !c.deadline().isAfter(now)) {
                due.add(c);
            }
        }
        return due;
    }

    @Override
    public synchronized boolean commit(Decision d) {
        if (d.stateAfter() != d.stateBefore()) {
            DeviceState stored = states.get(d.stateAfter().device());
            long storedVersion = stored == null ? 0 : stored.version();
            long expected = d.stateBefore() == null ? 0 : d.stateBefore().version();
            if (storedVersion != expected) {
                return false;
            }
        }
        Call after = d.after();
        if (after != null && after != d.before()) {
            Call stored = calls.get(after.id());
            if (d.before() == null ? stored != null : stored == null || stored.version() != d.before().version()) {
                return false;
            }
            String active = activeByDevice.get(after.device());
            if (after.state().active() && active != null && !active.equals(after.id())) {
                return false;
            }
        }
        if (d.stateAfter() != d.stateBefore()) {
            states.put(d.stateAfter().device(), d.stateAfter());
        }
        if (after != null && after != d.before()) {
            calls.put(after.id(), after);
            if (after.state().active()) {
                activeByDevice.put(after.device(), after.id());
            } else if (Objects.equals(activeByDevice.get(after.device()), after.id())) {
                activeByDevice.remove(after.device());
            }
        }
        for (Effect effect : d.effects()) {
            if (effect instanceof Effect.Control c) {
                kept.put(c.device(), new KeptControl(c.device(), c.clientToken(), c.params()));
            }
        }
        return true;
    }
}
