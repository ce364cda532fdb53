package io.callbridge.routes;

import java.util.List;

/** {@code mosquitto-password-file}: The registry as Mosquitto's password file. */
class MosquittoPasswordFileRouteTest extends BeanStepRouteTest {
    MosquittoPasswordFileRouteTest() {
        super("mosquitto-password-file", List.of("brokerFiles.passwordFile"), null);
    }
}
