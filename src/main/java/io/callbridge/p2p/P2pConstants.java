package io.callbridge.p2p;

import org.apache.camel.spi.Metadata;

/** Headers of the {@code p2p} component. */
public final class P2pConstants {

    @Metadata(label = "consumer", description = "The relay event: DEVICE_CONNECTED, DEVICE_DISCONNECTED, APP_CONNECTED,"
            + " APP_DISCONNECTED, COMMAND, ANSWER, NO_ANSWER, VOICE_OPENED, VOICE_CLOSED, STREAM_OPENED, STREAM_CLOSED",
            javaType = "String")
    public static final String EVENT_TYPE = "CallBridgeP2pEventType";
    @Metadata(description = "The device, ProductId/DeviceName", javaType = "String")
    public static final String DEVICE = "CallBridgeDevice";
    @Metadata(label = "consumer", description = "The app user of the event, if an app took part", javaType = "String")
    public static final String USER = "CallBridgeP2pUser";
    @Metadata(label = "consumer", description = "The app's relay session", javaType = "String")
    public static final String SESSION = "CallBridgeP2pSession";
    @Metadata(description = "The signaling command; on the producer it overrides the endpoint's options",
            javaType = "String")
    public static final String COMMAND = "CallBridgeP2pCommand";
    @Metadata(label = "consumer", description = "The device's answer to a command", javaType = "String")
    public static final String ANSWER = "CallBridgeP2pAnswer";
    @Metadata(description = "A close code (1000, 1003 link broken, 1007 no answer, 1008 refused), or for"
            + " get_device_st on the producer the device's status (0, 1, 404, 405, 406, 407)", javaType = "Integer")
    public static final String CODE = "CallBridgeP2pCode";
    @Metadata(label = "consumer", description = "The close sub-code: 2000 voice service closed, 2001 stream closed",
            javaType = "Integer")
    public static final String SUB_CODE = "CallBridgeP2pSubCode";

    private P2pConstants() {
    }
}
