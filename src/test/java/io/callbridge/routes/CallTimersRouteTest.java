package io.callbridge.routes;

import java.util.List;

/** {@code call-timers}: The deadline timer fires what is due. */
class CallTimersRouteTest extends BeanStepRouteTest {
    CallTimersRouteTest() {
        super("call-timers", List.of("callTimers.fireDue"), null);
    }
}
