package io.callbridge.p2p;

import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * A device's answer to {@code get_device_st}: {@code [{"status":<code>,"appConnectNum":<n>}]}.
 * Devices send the numbers as ints or as strings ({@code "0"}); both are read, ints are written.
 *
 * @param status        the device's code; codes not in {@link Status} are kept, see {@link #known()}
 * @param appConnectNum how many apps are connected to the device; 0 when the device leaves it out
 */
public record DeviceStateAnswer(int status, int appConnectNum) {

    /** The codes the protocol defines. */
    public enum Status {
        ACCEPT(0, "accept"),
        REFUSE(1, "refuse (e.g. already talking)"),
        BAD_REQUEST(404, "bad request"),
        TOO_MANY_APPS(405, "too many apps connected"),
        NOT_SUPPORTED(406, "command not supported"),
        DEVICE_ERROR(407, "device error");

        private final int code;
        private final String meaning;

        Status(int code, String meaning) {
            this.code = code;
            this.meaning = meaning;
        }

        public int code() {
            return code;
        }

        public String meaning() {
            return meaning;
        }

        public static Optional<Status> of(int code) {
            for (Status s : values()) {
                if (s.code == code) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }
    }

    // Duplicate keys and trailing text are refused: which "status" a device meant would be a guess.
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    public DeviceStateAnswer {
        if (appConnectNum < 0) {
            throw new P2pFormatException("appConnectNum " + appConnectNum + " is negative");
        }
    }

    public static DeviceStateAnswer of(Status status, int appConnectNum) {
        return new DeviceStateAnswer(status.code(), appConnectNum);
    }

    /** Reads the first element of the device's array; further elements and unknown fields are ignored. */
    public static DeviceStateAnswer parse(String json) {
        if (json == null || json.isBlank()) {
            throw new P2pFormatException("device state answer is empty");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new P2pFormatException("device state answer is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new P2pFormatException("device state answer is not a JSON array");
        }
        if (root.isEmpty()) {
            throw new P2pFormatException("device state answer is an empty array");
        }
        JsonNode first = root.get(0);
        if (!first.isObject()) {
            throw new P2pFormatException("device state answer's first element is not an object");
        }
        JsonNode status = first.get("status");
        if (status == null || status.isNull()) {
            throw new P2pFormatException("device state answer has no status");
        }
        JsonNode num = first.get("appConnectNum");
        int n = num == null || num.isNull() ? 0 : integer("appConnectNum", num);
        return new DeviceStateAnswer(integer("status", status), n);
    }

    /** Canonical JSON, the device's own shape with int values. */
    public String format() {
        return "[{\"status\":" + status + ",\"appConnectNum\":" + appConnectNum + "}]";
    }

    /** True when the status is one of the codes the protocol defines. */
    public boolean known() {
        return Status.of(status).isPresent();
    }

    public Optional<Status> knownStatus() {
        return Status.of(status);
    }

    /** True when the device accepts (status 0). */
    public boolean accepted() {
        return status == Status.ACCEPT.code();
    }

    /** An int, or a string of one ({@code "0"}, {@code "-1"}): no fractions, no '+', no spaces. */
    private static int integer(String field, JsonNode node) {
        if (node.isIntegralNumber() && node.canConvertToInt()) {
            return node.intValue();
        }
        if (node.isTextual()) {
            String s = node.textValue();
            if (s.matches("-?[0-9]{1,10}")) {
                long v = Long.parseLong(s);
                if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                    return (int) v;
                }
            }
        }
        String shown = node.toString();
        throw new P2pFormatException("device state answer's " + field + " is not an integer: "
                + (shown.length() > 64 ? shown.substring(0, 64) + "…" : shown));
    }
}
