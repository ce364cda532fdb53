package io.callbridge.bench;

/** The device's messages, written as the platform's SDKs write them (data template, protocol.md §2). */
final class Msgs {

    private Msgs() {
    }

    static String report(String token, long timestampMs, int status, String user, String device) {
        return "{\"method\":\"report\",\"clientToken\":\"" + token + "\",\"timestamp\":" + timestampMs
                + ",\"params\":{\"_sys_video_call_status\":" + status + ",\"_sys_userid\":\"" + user
                + "\",\"_sys_caller_id\":\"" + device + "\",\"_sys_called_id\":\"" + user
                + "\",\"_sys_user_agent\":\"device/1.0.0 (bench)\"}}";
    }

    static String controlReply(String token) {
        return "{\"method\":\"control_reply\",\"clientToken\":\"" + token + "\",\"code\":0,\"status\":\"ok\"}";
    }

    /** The app's accept (step 3): AppControlDeviceData with status 1. */
    static String appAccept(String requestId, String accessToken, String product, String deviceName, String user) {
        String device = product + "/" + deviceName;
        String data = "{\\\"_sys_video_call_status\\\":1,\\\"username\\\":\\\"bench\\\",\\\"_sys_userid\\\":\\\"" + user
                + "\\\",\\\"_sys_caller_id\\\":\\\"" + device + "\\\",\\\"_sys_called_id\\\":\\\"" + user
                + "\\\",\\\"_sys_user_agent\\\":\\\"ios/1.0.0 (bench)\\\"}";
        return "{\"Action\":\"AppControlDeviceData\",\"RequestId\":\"" + requestId + "\",\"AccessToken\":\""
                + accessToken + "\",\"ProductId\":\"" + product + "\",\"DeviceName\":\"" + deviceName
                + "\",\"Data\":\"" + data + "\"}";
    }
}
