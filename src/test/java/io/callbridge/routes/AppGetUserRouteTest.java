package io.callbridge.routes;

import java.util.List;

/** {@code app-get-user}: AppGetUser: the API bean answers with the token's user. */
class AppGetUserRouteTest extends BeanStepRouteTest {
    AppGetUserRouteTest() {
        super("app-get-user", List.of("appApi.user"), null);
    }
}
