package io.callbridge.thing;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** App user ids as the thing model carries them: one id, or several joined with {@code ;}. */
public final class UserIds {

    private UserIds() {
    }

    public static void requireValid(String userId) {
        if (userId == null || userId.isEmpty()) {
            throw new IllegalArgumentException("user id is empty");
        }
        if (userId.indexOf(';') >= 0 || DeviceId.looksLikeDeviceId(userId)) {
            throw new IllegalArgumentException("not a single user id: " + DeviceId.quote(userId));
        }
        DeviceId.requireSegment("user id", userId);
    }

    /** Splits {@code "u1;u2"} into distinct, validated ids, in order; blank input gives an empty list. */
    public static List<String> split(String joined) {
        if (joined == null || joined.isBlank()) {
            return List.of();
        }
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (String part : joined.split(";", -1)) {
            String id = part.strip();
            if (id.isEmpty()) {
                throw new IllegalArgumentException("empty user id in " + DeviceId.quote(joined));
            }
            requireValid(id);
            ids.add(id);
        }
        return List.copyOf(new ArrayList<>(ids));
    }

    public static String join(List<String> ids) {
        return String.join(";", ids);
    }
}
