package io.callbridge.testing;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** Messages a test client received, taken one by one as the test waits for them. */
final class Inbox {

    private Inbox() {
    }

    /** Waits for the first message matching the predicate and removes it, so the next wait finds the next one. */
    static JsonNode take(List<JsonNode> received, Predicate<JsonNode> match, Duration atMost) {
        JsonNode[] found = new JsonNode[1];
        Awaitility.await().atMost(atMost).until(() -> {
            for (JsonNode m : received) {
                if (match.test(m)) {
                    found[0] = m;
                    return true;
                }
            }
            return false;
        });
        received.remove(found[0]);
        return found[0];
    }
}
