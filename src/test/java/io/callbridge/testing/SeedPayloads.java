package io.callbridge.testing;

import java.nio.charset.StandardCharsets;

/**
 * The payloads of the user's seed ({@code shared/seeds/000_d26e2b8fa9690ea2.txt}, "device calls app"), copied
 * as they stand: every report carries clientToken "456" and timestamp 1212121221 (seconds).
 */
public final class SeedPayloads {

    public static final String DEVICE = "OIUYKJHGBV/device01";
    public static final String USER = "20001";
    public static final String USER_AGENT = "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)";
    public static final String TOKEN = "456";
    public static final long TIMESTAMP_SECONDS = 1212121221L;

    /** Step 2: the device rings. */
    public static final String RING = """
            {
                "method": "report",
                "clientToken": "456",
                "timestamp": 1212121221,
                "params": {
                    "_sys_video_call_status": 1,
                    "_sys_userid": "20001",
                    "_sys_caller_id": "OIUYKJHGBV/device01",
                    "_sys_called_id": "20001",
                    "_sys_user_agent": "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)"
                }
            }
            """;

    /** Step 3: the {@code Data} string of the app's AppControlDeviceData (accept). */
    public static final String APP_DATA = "{\"_sys_video_call_status\":1, \"username\":\"father\", "
            + "\"_sys_userid\":\"20001\", \"_sys_caller_id\":\"OIUYKJHGBV/device01\", \"_sys_called_id\":\"20001\", "
            + "\"_sys_user_agent\":\"device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)\"}";

    /** Step 4.1: the control the backend sends the device. */
    public static final String CONTROL = """
            {
                "method": "control",
                "clientToken": "123",
                "params": {
                    "_sys_video_call_status":1,
                    "username":"father",
                    "_sys_userid": "20001",
                    "_sys_caller_id": "OIUYKJHGBV/device01",
                    "_sys_called_id": "20001",
                    "_sys_user_agent": "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)"
                }
            }
            """;

    /** Step 4.2: the device gives up ringing. */
    public static final String CANCEL = """
            {
                "method": "report",
                "clientToken": "456",
                "timestamp": 1212121221,
                "params": {
                    "_sys_video_call_status": 0,
                    "_sys_userid": "20001",
                    "_sys_caller_id": "OIUYKJHGBV/device01",
                    "_sys_called_id": "20001",
                    "_sys_user_agent": "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)"
                }
            }
            """;

    /** Step 6: device and app are in the call. */
    public static final String IN_CALL = """
            {
                "method": "report",
                "clientToken": "456",
                "timestamp": 1212121221,
                "params": {
                    "_sys_video_call_status": 2,
                    "_sys_userid": "20001",
                    "_sys_caller_id": "OIUYKJHGBV/device01",
                    "_sys_called_id": "20001",
                    "_sys_user_agent": "device/1.0.0 (Android 29;HUAWEI ELS-AN00;zh-CN)"
                }
            }
            """;

    /** Step 9: the device ends the call (same JSON as step 4.2). */
    public static final String END = CANCEL;

    private SeedPayloads() {
    }

    public static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
