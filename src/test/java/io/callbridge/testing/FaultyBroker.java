package io.callbridge.testing;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import io.callbridge.broker.EmbeddedBroker;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;

/**
 * A real broker (HiveMQ, in this JVM) that can be told to refuse publishes: the PUBACK carries reason code 0x80
 * (unspecified error) and the message goes nowhere, as a broker under trouble answers.
 */
public final class FaultyBroker implements AutoCloseable {

    private final EmbeddedBroker broker;
    private volatile BiPredicate<String, String> refuse = (clientId, payload) -> false;
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger refuseLeft = new AtomicInteger(-1);

    public FaultyBroker(Path dir, EmbeddedBroker.Options options) throws Exception {
        ExtensionMain main = new ExtensionMain() {
            @Override
            public void extensionStart(ExtensionStartInput in, ExtensionStartOutput out) {
                Services.initializerRegistry().setClientInitializer((input, context) -> {
                    String clientId = input.getClientInformation().getClientId();
                    context.addPublishInboundInterceptor((publishIn, publishOut) -> {
                        String payload = publishIn.getPublishPacket().getPayload()
                                .map(FaultyBroker::text).orElse("");
                        if (refuse.test(clientId, payload) && take()) {
                            refused.incrementAndGet();
                            publishOut.preventPublishDelivery(AckReasonCode.UNSPECIFIED_ERROR, "refused by the test");
                        }
                    });
                });
            }

            @Override
            public void extensionStop(ExtensionStopInput in, ExtensionStopOutput out) {
            }
        };
        EmbeddedExtension extension = EmbeddedExtension.builder().withId("faults").withName("faults")
                .withVersion("1").withPriority(0).withStartPriority(1000).withAuthor("callbridge tests")
                .withExtensionMain(main).build();
        broker = EmbeddedBroker.start("127.0.0.1", CallBridgeProcess.freePort(), dir, Duration.ofSeconds(30),
                options, extension);
    }

    private boolean take() {
        int left = refuseLeft.get();
        while (left != -1) {
            if (left == 0) {
                return false;
            }
            if (refuseLeft.compareAndSet(left, left - 1)) {
                return true;
            }
            left = refuseLeft.get();
        }
        return true;
    }

    private static String text(ByteBuffer b) {
        ByteBuffer copy = b.asReadOnlyBuffer();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    public String url() {
        return broker.url();
    }

    /** Refuses every publish from a client whose id ends with {@code suffix}, until {@link #heal()}. */
    public void refuseFrom(String suffix) {
        refuseLeft.set(-1);
        refuse = (clientId, payload) -> clientId.endsWith(suffix);
    }

    /** Refuses the next {@code n} publishes from a client ending with {@code suffix} whose payload holds {@code text}. */
    public void refuseNext(int n, String suffix, String text) {
        refuseLeft.set(n);
        refuse = (clientId, payload) -> clientId.endsWith(suffix) && payload.contains(text);
    }

    public void heal() {
        refuse = (clientId, payload) -> false;
        refuseLeft.set(-1);
    }

    public int refused() {
        return refused.get();
    }

    @Override
    public void close() {
        broker.close();
    }
}
