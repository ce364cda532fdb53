package io.callbridge.device;

import io.callbridge.broker.BrokerSecurity;
import io.callbridge.call.CallStore;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.Optional;

/**
 * A device's sign-in with the platform's credentials (protocol §2), made from the secret registered for it: the
 * same check on the embedded broker (found by its client id) and on the P2P relay (found by its path).
 */
@ApplicationScoped
public class DeviceSignIn {

    @Inject
    CallStore store;

    Clock clock = Clock.systemUTC();

    /** On the broker: the device registered under this client id, if the credentials are its own. */
    public BrokerSecurity.SignIn broker(String clientId, String username, String password) {
        if (username == null || password == null) {
            return BrokerSecurity.SignIn.refused("credentials required: the platform's device username and password");
        }
        Optional<CallStore.Registered> registered = store.deviceByClientId(clientId);
        if (registered.isEmpty()) {
            return BrokerSecurity.SignIn.refused("no device is registered with this client id");
        }
        DeviceId device = registered.get().device();
        return refusal(device, registered.get().secret(), username, password)
                .map(BrokerSecurity.SignIn::refused).orElseGet(() -> BrokerSecurity.SignIn.of(device));
    }

    /** On the relay: why these credentials do not sign the device in, or empty when they do. */
    public Optional<String> relay(DeviceId device, String username, String password) {
        return store.deviceSecret(device)
                .map(secret -> refusal(device, secret, username, password))
                .orElseGet(() -> Optional.of("no secret is registered for " + device
                        + " (PUT /api/devices/" + device + "/secret)"));
    }

    private Optional<String> refusal(DeviceId device, String secret, String username, String password) {
        return DeviceCredentials.refusal(device, secret, username, password, clock.millis() / 1000);
    }
}
