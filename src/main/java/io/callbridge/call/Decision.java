package io.callbridge.call;

import java.util.List;

/**
 * The engine's answer to one input: the call before and after (either may be null), the device state after,
 * the effects to carry out, and a refusal when the input was not accepted. Nothing changes on a refusal.
 */
public record Decision(Call before, Call after, DeviceState stateBefore, DeviceState stateAfter,
        List<Effect> effects, Refusal refusal) {

    public Decision {
        effects = List.copyOf(effects);
    }

    public boolean refused() {
        return refusal != null;
    }

    /** True when nothing needs to be written. */
    public boolean unchanged() {
        return before == after && stateBefore == stateAfter;
    }

    /** The call this decision is about: after the change, or as it was. */
    public Call call() {
        return after != null ? after : before;
    }
}
