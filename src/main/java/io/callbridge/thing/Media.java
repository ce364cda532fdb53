package io.callbridge.thing;

/** The two kinds of call, each with its own status property in the thing model. */
public enum Media {
    VIDEO("_sys_video_call_status"),
    AUDIO("_sys_audio_call_status");

    private final String statusProperty;

    Media(String statusProperty) {
        this.statusProperty = statusProperty;
    }

    public String statusProperty() {
        return statusProperty;
    }
}
