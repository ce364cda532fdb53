package io.callbridge.p2p;

import static io.callbridge.p2p.PropertyCases.forAll;
import static io.callbridge.p2p.PropertyCases.show;
import static io.callbridge.p2p.PropertyCases.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Optional;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.callbridge.p2p.DeviceStateAnswer.Status;

class DeviceStateAnswerTest {

    @Test
    void intAnswer_accept() {
        DeviceStateAnswer a = DeviceStateAnswer.parse("[{\"status\":0,\"appConnectNum\":1}]");
        assertEquals(new DeviceStateAnswer(0, 1), a);
        assertTrue(a.accepted());
        assertTrue(a.known());
        assertEquals(Optional.of(Status.ACCEPT), a.knownStatus());
        assertEquals("[{\"status\":0,\"appConnectNum\":1}]", a.format());
    }

    @Test
    void stringValues_areRead_andFormattedAsInts() {
        DeviceStateAnswer a = DeviceStateAnswer.parse("[{\"status\":\"1\",\"appConnectNum\":\"2\"}]");
        assertEquals(new DeviceStateAnswer(1, 2), a);
        assertFalse(a.accepted());
        assertEquals(Optional.of(Status.REFUSE), a.knownStatus());
        assertEquals("[{\"status\":1,\"appConnectNum\":2}]", a.format());
    }

    @Test
    void keyOrderSpacesExtraFieldsAndFurtherElements_changeNothing() {
        assertEquals(new DeviceStateAnswer(405, 3),
                DeviceStateAnswer.parse(" [ {\n\"appConnectNum\" : 3, \"status\" : \"405\", \"extra\":{\"x\":[1]} },"
                        + " {\"status\":0} ]\n"));
    }

    @Test
    void appConnectNum_missingOrNull_isZero() {
        assertEquals(new DeviceStateAnswer(406, 0), DeviceStateAnswer.parse("[{\"status\":406}]"));
        assertEquals(new DeviceStateAnswer(0, 0), DeviceStateAnswer.parse("[{\"status\":\"0\",\"appConnectNum\":null}]"));
    }

    @ParameterizedTest
    @EnumSource(Status.class)
    void everyKnownCode_readsAsItsStatus(Status s) {
        DeviceStateAnswer a = DeviceStateAnswer.parse("[{\"status\":\"" + s.code() + "\",\"appConnectNum\":0}]");
        assertEquals(Optional.of(s), a.knownStatus());
        assertEquals(s.code(), a.status());
        assertEquals(a, DeviceStateAnswer.of(s, 0));
        assertFalse(s.meaning().isBlank());
    }

    @Test
    void statusCodes_andMeanings_areTheProtocols() {
        assertEquals(0, Status.ACCEPT.code());
        assertEquals(1, Status.REFUSE.code());
        assertEquals(404, Status.BAD_REQUEST.code());
        assertEquals(405, Status.TOO_MANY_APPS.code());
        assertEquals(406, Status.NOT_SUPPORTED.code());
        assertEquals(407, Status.DEVICE_ERROR.code());
        assertEquals("too many apps connected", Status.TOO_MANY_APPS.meaning());
        assertEquals(Optional.empty(), Status.of(2));
    }

    @Test
    void unknownCodes_areKept_notRefused() {
        DeviceStateAnswer a = DeviceStateAnswer.parse("[{\"status\":500,\"appConnectNum\":1}]");
        assertEquals(500, a.status());
        assertFalse(a.known());
        assertFalse(a.accepted());
        assertEquals(Optional.empty(), a.knownStatus());
        assertEquals("[{\"status\":500,\"appConnectNum\":1}]", a.format());
        assertEquals(-1, DeviceStateAnswer.parse("[{\"status\":\"-1\"}]").status());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "   ", "not json", "{\"status\":0}", "0", "\"0\"", "null", "[]", "[1]", "[[]]", "[null]", "[{}]",
        "[{\"appConnectNum\":1}]", "[{\"status\":null}]", "[{\"status\":\"abc\"}]", "[{\"status\":\"\"}]",
        "[{\"status\":1.5}]", "[{\"status\":1.0}]", "[{\"status\":\"1.5\"}]", "[{\"status\":\" 0\"}]",
        "[{\"status\":\"+1\"}]", "[{\"status\":true}]", "[{\"status\":[0]}]", "[{\"status\":{}}]",
        "[{\"status\":99999999999}]", "[{\"status\":\"99999999999\"}]", "[{\"status\":\"2147483648\"}]",
        "[{\"status\":0,\"appConnectNum\":-1}]", "[{\"status\":0,\"appConnectNum\":\"-1\"}]",
        "[{\"status\":0,\"appConnectNum\":\"x\"}]", "[{\"status\":0,\"appConnectNum\":2.5}]",
        "[{\"status\":0,\"status\":1}]", "[{\"status\":0}] trailing", "[{\"status\":0}][]", "[{\"status\":0}",
        "[{status:0}]", "[{'status':0}]"
    })
    void malformedAnswers_areRefused(String json) {
        P2pFormatException e = assertThrows(P2pFormatException.class, () -> DeviceStateAnswer.parse(json), show(json));
        assertTrue(e.getMessage().startsWith("device state answer") || e.getMessage().startsWith("appConnectNum"),
                e.getMessage());
    }

    @Test
    void refusals_nameTheProblem() {
        assertTrue(assertThrows(P2pFormatException.class, () -> DeviceStateAnswer.parse(null))
                .getMessage().contains("empty"));
        assertTrue(assertThrows(P2pFormatException.class, () -> DeviceStateAnswer.parse("[]"))
                .getMessage().contains("empty array"));
        assertTrue(assertThrows(P2pFormatException.class, () -> DeviceStateAnswer.parse("{\"status\":0}"))
                .getMessage().contains("not a JSON array"));
        assertTrue(assertThrows(P2pFormatException.class, () -> DeviceStateAnswer.parse("[{\"appConnectNum\":1}]"))
                .getMessage().contains("no status"));
        assertTrue(assertThrows(P2pFormatException.class, () -> DeviceStateAnswer.parse("[{\"status\":\"ok\"}]"))
                .getMessage().contains("status is not an integer: \"ok\""));
        assertThrows(P2pFormatException.class, () -> new DeviceStateAnswer(0, -1));
    }

    @Test
    void property_formatThenParse_givesAnEqualAnswer_andStringFormsReadTheSame() {
        forAll("answerRoundTrip", 2000, r -> {
            int status = r.nextBoolean() ? pick(r, Status.values()).code() : r.nextInt();
            int num = r.nextInt(3) == 0 ? 0 : r.nextInt(Integer.MAX_VALUE);
            DeviceStateAnswer a = new DeviceStateAnswer(status, num);
            assertEquals(a, DeviceStateAnswer.parse(a.format()), a.format());
            String strings = "[{\"appConnectNum\":\"" + num + "\",\"status\":\"" + status + "\"}]";
            assertEquals(a, DeviceStateAnswer.parse(strings), strings);
            assertEquals(Status.of(status).isPresent(), a.known());
        });
    }

    private static final String[] JSONISH = {
        "[", "]", "{", "}", "\"", ":", ",", "status", "appConnectNum", "0", "1", "-", ".", "e", "9999999999999",
        "null", "true", " ", "\\", "\\u", "名", "\ud800", "\u0000", "[{\"status\":", "\"0\"", "}]"
    };

    private static final String[] VALUES = {
        "0", "1", "404", "\"0\"", "\"407\"", "-1", "\"-1\"", "1.5", "null", "\"x\"", "9999999999999", "", "true", "[]",
        "\"\"", "\"+1\""
    };

    @Test
    void property_parseThrowsOnlyP2pFormatException() {
        int[] accepted = {0};
        forAll("answerNeverThrowsOtherwise", 3000, r -> {
            String input = switch (r.nextInt(3)) {
                case 0 -> text(r, 0, 40, JSONISH);
                case 1 -> "[{\"status\":" + pick(r, VALUES) + (r.nextBoolean() ? "" : ",\"appConnectNum\":" + pick(r, VALUES))
                        + "}" + (r.nextBoolean() ? "" : "," + text(r, 0, 6, JSONISH)) + "]";
                default -> "[".repeat(r.nextInt(3000)) + text(r, 0, 5, JSONISH);
            };
            try {
                DeviceStateAnswer a = DeviceStateAnswer.parse(input);
                accepted[0]++;
                assertEquals(a, DeviceStateAnswer.parse(a.format()), show(input));
            } catch (P2pFormatException e) {
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), show(input));
            } catch (RuntimeException | StackOverflowError e) {
                fail("parse threw " + e + " for " + show(input), e);
            }
        });
        assertTrue(accepted[0] > 100, accepted[0] + " accepted");
    }

    private static <T> T pick(Random r, T[] options) {
        return options[r.nextInt(options.length)];
    }
}
