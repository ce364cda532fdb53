package io.callbridge.thing;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The call properties of a report or of an app's control {@code Data}, validated. Absent properties are
 * null (or empty); {@link #statuses()} holds only the status properties present.
 */
public record CallProperties(Map<Media, Integer> statuses, List<String> userIds, String callerId, String calledId,
        String userAgent, String extraInfo, String username) {

    public static final String USER_ID = "_sys_userid";
    public static final String CALLER_ID = "_sys_caller_id";
    public static final String CALLED_ID = "_sys_called_id";
    public static final String USER_AGENT = "_sys_user_agent";
    public static final String EXTRA_INFO = "_sys_extra_info";
    public static final String USERNAME = "username";

    public CallProperties {
        statuses = Map.copyOf(statuses);
        userIds = List.copyOf(userIds);
    }

    /** Reads and checks the call properties; other properties are ignored. */
    public static CallProperties from(Map<String, Object> params) {
        Map<Media, Integer> statuses = new EnumMap<>(Media.class);
        for (Media media : Media.values()) {
            if (params.containsKey(media.statusProperty())) {
                statuses.put(media, status(media.statusProperty(), params.get(media.statusProperty())));
            }
        }
        List<String> userIds;
        try {
            userIds = UserIds.split(string(params, USER_ID));
        } catch (IllegalArgumentException e) {
            throw invalid(USER_ID + ": " + e.getMessage());
        }
        String caller = string(params, CALLER_ID);
        String called = string(params, CALLED_ID);
        checkParty(CALLER_ID, caller);
        checkParty(CALLED_ID, called);
        return new CallProperties(statuses, userIds, emptyToNull(caller), emptyToNull(called),
                string(params, USER_AGENT), string(params, EXTRA_INFO), string(params, USERNAME));
    }

    public boolean hasCallStatus() {
        return !statuses.isEmpty();
    }

    public Integer status(Media media) {
        return statuses.get(media);
    }

    /**
     * The user a busy device refuses, from {@code _sys_extra_info} ({@code {"rejectUserId":"<user>"}}), or null.
     * Extra info that is not a JSON object naming one is not a busy refusal.
     */
    public String rejectUserId() {
        if (extraInfo == null || extraInfo.isBlank()) {
            return null;
        }
        try {
            if (ThingCodec.parseObject(extraInfo).get("rejectUserId") instanceof String u && !u.isEmpty()) {
                return u;
            }
        } catch (RuntimeException e) {
            // not JSON: no busy refusal
        }
        return null;
    }

    /** The caller as a device, or null when the caller is absent or a user. */
    public DeviceId callerDevice() {
        return DeviceId.looksLikeDeviceId(callerId) ? DeviceId.parse(callerId) : null;
    }

    /** The callees named by {@code _sys_called_id} when it holds user ids rather than a device. */
    public List<String> calledUsers() {
        return called() == null || DeviceId.looksLikeDeviceId(calledId) ? List.of() : UserIds.split(calledId);
    }

    private String called() {
        return calledId;
    }

    /** The properties as a control message carries them, status first. */
    public static Map<String, Object> controlParams(Media media, int status, List<String> userIds, String callerId,
            String calledId, String userAgent) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put(media.statusProperty(), status);
        params.put(USER_ID, UserIds.join(userIds));
        if (callerId != null) {
            params.put(CALLER_ID, callerId);
        }
        if (calledId != null) {
            params.put(CALLED_ID, calledId);
        }
        if (userAgent != null) {
            params.put(USER_AGENT, userAgent);
        }
        return params;
    }

    private static int status(String name, Object value) {
        if (value instanceof Integer i && i >= 0 && i <= 2) {
            return i;
        }
        throw invalid(name + " must be 0, 1 or 2, got " + (value instanceof String ? "\"" + value + "\"" : value));
    }

    private static void checkParty(String name, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        try {
            if (DeviceId.looksLikeDeviceId(value)) {
                DeviceId.parse(value);
            } else {
                UserIds.split(value);
            }
        } catch (IllegalArgumentException e) {
            throw invalid(name + ": " + e.getMessage());
        }
    }

    private static String string(Map<String, Object> params, String name) {
        Object value = params.get(name);
        if (value == null) {
            return null;
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Number n && !name.equals(USER_AGENT)) {
            // Some firmware sends numeric user ids; they are ids all the same.
            return n.toString();
        }
        throw invalid(name + " must be a string");
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static ThingException invalid(String reason) {
        return new ThingException(ThingException.INVALID_VALUE, reason);
    }
}
