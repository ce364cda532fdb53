package io.callbridge.routes;

import java.util.List;

/** {@code mosquitto-acl-file}: The registry as Mosquitto's ACL. */
class MosquittoAclFileRouteTest extends BeanStepRouteTest {
    MosquittoAclFileRouteTest() {
        super("mosquitto-acl-file", List.of("brokerFiles.aclFile"), null);
    }
}
