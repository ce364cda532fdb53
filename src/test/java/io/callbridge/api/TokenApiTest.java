package io.callbridge.api;

import io.callbridge.thing.DeviceId;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the tokenapi reads a request: the action first, then the token, then the device in either form. */
class TokenApiTest {

    private final TokenApi api = new TokenApi(null, token -> "good".equals(token) ? Optional.of("20001")
            : Optional.empty(), device -> false);

    private ApiRequest parse(String json) {
        return api.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private ApiException refused(String json) {
        return assertThrows(ApiException.class, () -> parse(json));
    }

    @Test
    void theDeviceIsNamedEitherWay() {
        DeviceId d = new DeviceId("OIUYKJHGBV", "device01");
        assertEquals(Optional.of(d), parse("{\"Action\":\"AppGetDeviceData\",\"AccessToken\":\"good\","
                + "\"ProductId\":\"OIUYKJHGBV\",\"DeviceName\":\"device01\"}").device());
        assertEquals(Optional.of(d), parse("{\"Action\":\"AppGetDeviceData\",\"AccessToken\":\"good\","
                + "\"DeviceId\":\"OIUYKJHGBV/device01\"}").device());
        assertEquals(Optional.of(d), parse("{\"Action\":\"AppGetDeviceData\",\"AccessToken\":\"good\","
                + "\"DeviceId\":\"OIUYKJHGBV/device01\",\"ProductId\":\"OIUYKJHGBV\",\"DeviceName\":\"device01\"}")
                .device());
    }

    @Test
    void twoNamesThatDisagreeAreRefused() {
        ApiException e = refused("{\"Action\":\"AppGetDeviceData\",\"AccessToken\":\"good\","
                + "\"DeviceId\":\"OIUYKJHGBV/other\",\"ProductId\":\"OIUYKJHGBV\",\"DeviceName\":\"device01\"}");
        assertEquals(ApiException.INVALID_PARAMETER_VALUE, e.code());
        assertEquals(ApiException.INVALID_PARAMETER_VALUE, refused("{\"Action\":\"AppGetDeviceData\","
                + "\"AccessToken\":\"good\",\"DeviceId\":\"no-slash\"}").code());
        assertEquals(ApiException.INVALID_PARAMETER_VALUE, refused("{\"Action\":\"AppGetDeviceData\","
                + "\"AccessToken\":\"good\",\"DeviceId\":\"P/D/x\"}").code());
    }

    @Test
    void deviceIdsAreDevicesOrNamesOfTheProduct() {
        ApiRequest r = parse("{\"Action\":\"AppGetDeviceStatuses\",\"AccessToken\":\"good\",\"ProductId\":\"P1\","
                + "\"DeviceIds\":[\"d1\",\"P2/d2\",\"d1\"]}");
        assertEquals(List.of(new DeviceId("P1", "d1"), new DeviceId("P2", "d2")), r.deviceIds());
        assertTrue(r.device().isEmpty(), "a ProductId alone names no device");
        assertEquals(ApiException.INVALID_PARAMETER, refused("{\"Action\":\"AppGetDeviceStatuses\","
                + "\"AccessToken\":\"good\",\"DeviceIds\":\"P/D\"}").code());
        assertEquals(ApiException.INVALID_PARAMETER, refused("{\"Action\":\"AppGetDeviceStatuses\","
                + "\"AccessToken\":\"good\",\"DeviceIds\":[1]}").code());
        assertEquals(ApiException.INVALID_PARAMETER_VALUE, refused("{\"Action\":\"AppGetDeviceStatuses\","
                + "\"AccessToken\":\"good\",\"DeviceIds\":[\"P/+\"]}").code());
        StringBuilder many = new StringBuilder("[");
        for (int i = 0; i <= 100; i++) {
            many.append(i == 0 ? "" : ",").append("\"P/d").append(i).append('"');
        }
        assertEquals(ApiException.INVALID_PARAMETER_VALUE, refused("{\"Action\":\"AppGetDeviceStatuses\","
                + "\"AccessToken\":\"good\",\"DeviceIds\":" + many + "]}").code());
    }

    @Test
    void anUnknownActionIsNamedBeforeAnythingElse() {
        ApiException e = refused("{\"Action\":\"AppDeleteEverything\"}");
        assertEquals(ApiException.INVALID_ACTION, e.code());
        assertTrue(e.getMessage().contains("AppGetUser"), e.getMessage());
    }

    @Test
    void theTokenIsReadOnce() {
        ApiRequest r = parse("{\"Action\":\"AppGetUser\",\"AccessToken\":\"good\"}");
        assertEquals(Optional.of("20001"), r.user());
        assertEquals(Optional.empty(), parse("{\"Action\":\"AppGetUser\",\"AccessToken\":\"bad\"}").user());
        assertEquals(ApiException.MISSING_PARAMETER, refused("{\"Action\":\"AppGetUser\"}").code());
    }
}
