package io.callbridge.records;

import io.callbridge.thing.DeviceId;
import io.callbridge.thing.ThingCodec;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.function.Function;

/** How the management API reads a request's parameters and answers: JSON, and {"error": why} with a 4xx. */
final class Answers {

    static final int MAX_LIMIT = 500;

    private Answers() {
    }

    /** The request's headers are not the answer's: only the content type goes back. */
    static void clean(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    static void problem(Exchange exchange, int status, String message) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(ThingCodec.toJson(Map.of("error", message)));
    }

    /** The device of the path ({productId}/{deviceName}), or null once a 400 is the answer. */
    static DeviceId device(Exchange exchange) {
        String p = exchange.getMessage().getHeader("productId", String.class);
        String d = exchange.getMessage().getHeader("deviceName", String.class);
        clean(exchange);
        try {
            return new DeviceId(p, d);
        } catch (IllegalArgumentException | NullPointerException e) {
            problem(exchange, 400, e.getMessage());
            return null;
        }
    }

    static <T> T param(Message in, String name, Function<String, T> parse) {
        String value = in.getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return parse.apply(value.trim());
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException("bad " + name + " " + value + ": " + e.getMessage());
        }
    }

    static int number(Message in, String name, int fallback, int min, int max) {
        String value = in.getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max);
        }
    }
}
