package io.callbridge.device;

import io.callbridge.call.CallService;
import io.callbridge.call.Decision;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.jboss.logging.Logger;

import java.util.List;

/** Fires due call deadlines for the call-timers route. */
@ApplicationScoped
@Named("callTimers")
public class CallTimers {

    private static final Logger LOG = Logger.getLogger(CallTimers.class);
    private static final int BATCH = 200;

    @Inject
    CallService calls;

    public List<Decision> fireDue() {
        List<Decision> fired = calls.fireDeadlines(BATCH);
        fired.forEach(d -> LOG.infof("Call %s on %s timed out: %s", d.call().id(), d.call().device(),
                d.call().reason()));
        return fired;
    }
}
