package io.callbridge.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * For tests whose fleet speaks for many devices on each connection (as the load harness does): the embedded
 * broker lets devices in without signing in. Every other test signs its devices in.
 */
public class AnonymousDevices implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("callbridge.mqtt.embedded.anonymous-devices", "true");
    }
}
