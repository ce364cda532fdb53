package io.callbridge.api;

import io.callbridge.testing.AppSdks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tokenapi client family reads the same answer body, success and error alike, the way its SDK does. */
class ApiEnvelopeTest {

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void aStringDataReachesEachFamily(AppSdks sdk) {
        AppSdks.Outcome outcome = sdk.read(ApiEnvelope.success("req-1", "{\"_sys_video_call_status\":{\"Value\":1}}"));
        assertTrue(outcome.success(), sdk + " reads a success");
        assertEquals("{\"_sys_video_call_status\":{\"Value\":1}}", outcome.data().path("Data").asText());
        assertEquals("req-1", outcome.data().path("RequestId").asText());
    }

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void anObjectDataReachesEachFamily(AppSdks sdk) {
        AppSdks.Outcome outcome = sdk.read(ApiEnvelope.success("req-2", Map.of("DeviceStatuses",
                List.of(Map.of("DeviceId", "P/D", "Online", 1)))));
        assertTrue(outcome.success());
        assertEquals(1, outcome.data().path("DeviceStatuses").path(0).path("Online").asInt());
    }

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void anErrorIsAnErrorToEachFamily(AppSdks sdk) {
        AppSdks.Outcome outcome = sdk.read(ApiEnvelope.error("req-3", ApiException.NO_ACTIVE_CALL, "no call rings"));
        assertFalse(outcome.success(), sdk + " sees the failure");
        assertEquals(ApiException.NO_ACTIVE_CALL, outcome.errorCode());
        assertEquals("no call rings", outcome.errorMessage());
        assertFalse(outcome.logsInAgain());
    }

    @ParameterizedTest
    @EnumSource(AppSdks.class)
    void aRefusedTokenSendsEachFamilyToLogIn(AppSdks sdk) {
        AppSdks.Outcome outcome = sdk.read(ApiEnvelope.error("req-4", ApiException.INVALID_ACCESS_TOKEN, "bad token"));
        assertFalse(outcome.success());
        assertTrue(outcome.logsInAgain(), sdk + " logs in again");
    }

    /** What CallBridge answered before: the SDKs could not tell an error from a success. */
    @Test
    void theReferenceEnvelopeAloneMisleadsTheSdks() {
        String old = "{\"Response\":{\"Error\":{\"Code\":\"" + ApiException.INVALID_ACCESS_TOKEN
                + "\",\"Message\":\"bad token\"},\"RequestId\":\"r\"}}";
        assertTrue(AppSdks.MINI_PROGRAM.read(old).success(), "no code: the mini-program resolves with {}");
        assertFalse(AppSdks.ANDROID.read(old).logsInAgain(), "no code -1000: the Android app never logs in again");
        assertTrue(AppSdks.REFERENCE.read(old).logsInAgain());
    }
}
