package io.callbridge.api;

/** A refused API call: {@code code} is the platform-style error code, e.g. {@code InvalidParameterValue}. */
public class ApiException extends RuntimeException {

    public static final String INVALID_PARAMETER = "InvalidParameter";
    public static final String MISSING_PARAMETER = "MissingParameter";
    public static final String INVALID_ACTION = "InvalidAction";
    public static final String INVALID_PARAMETER_VALUE = "InvalidParameterValue";
    public static final String INVALID_ACCESS_TOKEN = "InvalidParameterValue.InvalidAccessToken";
    public static final String NOT_CALLEE = "UnauthorizedOperation.NotCallee";
    public static final String NO_PERMISSION = "UnauthorizedOperation.NoPermissionToDevice";
    public static final String NO_ACTIVE_CALL = "FailedOperation.NoActiveCall";
    public static final String ANSWERED_ELSEWHERE = "FailedOperation.AnsweredElsewhere";
    public static final String DEVICE_BUSY = "FailedOperation.DeviceBusy";
    public static final String UNSUPPORTED = "UnsupportedOperation";
    public static final String INTERNAL_ERROR = "InternalError";
    /** The platform's code for a caller past its rate. */
    public static final String REQUEST_LIMIT_EXCEEDED = "RequestLimitExceeded";

    private final String code;

    public ApiException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
