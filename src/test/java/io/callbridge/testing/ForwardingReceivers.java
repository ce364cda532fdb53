package io.callbridge.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CallBridge as docs/integrators.md sets it up to forward call events: the vendor's webhook receiver, and the page's
 * own {@code forward-call-ended} route, loaded beside routes/ and named among the receivers, posting to a second
 * system (a second real HTTP receiver).
 */
public class ForwardingReceivers extends CallBridgeTestResource {

    private static volatile WebhookReceiver secondSystem;

    /** The second system the route posts to. */
    public static WebhookReceiver secondSystem() {
        return secondSystem;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        secondSystem = WebhookReceiver.start("whsec_bm90LXNpZ25lZC1ieS1hLXJvdXRl");
        try {
            Path own = Files.createTempDirectory("callbridge-own-routes");
            Files.writeString(own.resolve("forward-call-ended.camel.yaml"), DocSnippets.block(
                    Path.of("docs/integrators.md"), "yaml", "id: forward-call-ended"));
            config.put("camel.main.routes-include-pattern", "file:routes/*.yaml,file:" + own + "/*.yaml");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        config.put("callbridge.webhooks.url", config.get("callbridge.webhooks.url") + ",direct:forward-call-ended");
        config.put("second-system.url", secondSystem.url());
        return config;
    }

    @Override
    public void stop() {
        super.stop();
        if (secondSystem != null) {
            secondSystem.close();
        }
    }
}
