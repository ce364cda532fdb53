-- What each device last said of itself with report_info (module, firmware, labels): AppGetDeviceData shows it.
CREATE TABLE device_info (
    device     VARCHAR(300) NOT NULL PRIMARY KEY,
    info       VARCHAR      NOT NULL,
    updated_at BIGINT       NOT NULL
);
