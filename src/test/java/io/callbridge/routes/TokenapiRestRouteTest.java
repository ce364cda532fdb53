package io.callbridge.routes;

import java.util.List;

/** {@code tokenapi-rest}: the REST operations it offers and the routes they call. */
class TokenapiRestRouteTest extends RestFileTest {
    TokenapiRestRouteTest() {
        super("tokenapi-rest", List.of(
                "POST /api/exploreropen/tokenapi -> direct:app-api"));
    }
}
