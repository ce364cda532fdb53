package io.callbridge.routes;

import java.util.List;

/** {@code mosquitto-files-rest}: the REST operations it offers and the routes they call. */
class MosquittoFilesRestRouteTest extends RestFileTest {
    MosquittoFilesRestRouteTest() {
        super("mosquitto-files-rest", List.of(
                "GET /api/broker/mosquitto/password-file -> direct:mosquitto-password-file",
                "GET /api/broker/mosquitto/acl-file -> direct:mosquitto-acl-file"));
    }
}
