package io.callbridge.thing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

    static final DeviceId DEVICE = DeviceId.parse("OIUYKJHGBV/device01");

    @Test
    void topicsOfADevice() {
        assertEquals("$thing/up/property/OIUYKJHGBV/device01", Topics.upProperty(DEVICE));
        assertEquals("$thing/down/property/OIUYKJHGBV/device01", Topics.downProperty(DEVICE));
        assertEquals("$thing/up/property/+/+", Topics.UP_PROPERTY_FILTER);
    }

    @Test
    void upTopicsOfEveryKindAreRead_andRepliesGoToTheSameKind() {
        assertEquals(Optional.of(new Topics.Up(Topics.EVENT, DEVICE)), Topics.up("$thing/up/event/OIUYKJHGBV/device01"));
        assertEquals(Optional.of(new Topics.Up(Topics.ACTION, DEVICE)), Topics.up("$thing/up/action/OIUYKJHGBV/device01"));
        assertEquals(Optional.of(new Topics.Up(Topics.PROPERTY, DEVICE)), Topics.up(Topics.upProperty(DEVICE)));
        assertEquals(Optional.empty(), Topics.up("$thing/up/service/OIUYKJHGBV/device01"), "not read by CallBridge");
        assertEquals(Optional.empty(), Topics.up("$thing/down/event/OIUYKJHGBV/device01"));
        assertEquals(Optional.empty(), Topics.up("$thing/up/event/OIUYKJHGBV/+"));
        assertEquals("$thing/down/event/OIUYKJHGBV/device01", Topics.down(Topics.EVENT, DEVICE));
        assertEquals("$thing/up/event/OIUYKJHGBV/device01", Topics.up(Topics.EVENT, DEVICE));
        assertEquals("$thing/callbridge/push/OIUYKJHGBV/device01", Topics.pushRelay(DEVICE));
        assertEquals(Optional.of(DEVICE), Topics.deviceOfPushRelay(Topics.pushRelay(DEVICE)));
        assertEquals(Optional.empty(), Topics.deviceOfPushRelay("$thing/callbridge/push/P/+"));
        assertEquals(Optional.empty(), Topics.deviceOfPushRelay(Topics.upProperty(DEVICE)));
        assertEquals(java.util.List.of("$thing/up/property/+/+", "$thing/up/event/+/+", "$thing/up/action/+/+"),
                Topics.UP_FILTERS);
    }

    @Test
    void deviceOfUpProperty_readsTheDevice() {
        assertEquals(Optional.of(DEVICE), Topics.deviceOfUpProperty("$thing/up/property/OIUYKJHGBV/device01"));
        assertEquals(Optional.of(DEVICE), Topics.deviceOfUpProperty(Topics.upProperty(DEVICE)));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "$thing/up/event/P/D",
            "$thing/up/action/P/D",
            "$thing/down/property/P/D",
            "$thing/up/property/P/D/extra",
            "$thing/up/property/P/D/",
            "$thing/up/property/P",
            "$thing/up/property/P/+",
            "$thing/up/property/+/D",
            "$thing/up/property/+/+",
            "$thing/up/property/P/#",
            "$thing/up/property/#",
            "$thing/up/property//D",
            "$thing/up/property/P/",
            "$thing/up/property/P/D\u0000",
            "thing/up/property/P/D",
            "/$thing/up/property/P/D",
            "$share/g/$thing/up/property/P/D",
            "$THING/up/property/P/D",
            ""})
    void deviceOfUpProperty_refusesOtherShapes(String topic) {
        assertEquals(Optional.empty(), Topics.deviceOfUpProperty(topic));
    }

    @Test
    void deviceOfUpProperty_refusesNull() {
        assertEquals(Optional.empty(), Topics.deviceOfUpProperty(null));
    }
}
