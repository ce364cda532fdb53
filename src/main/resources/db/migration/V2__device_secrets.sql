-- Each device's secret (base64, as the platform shows it): the P2P relay checks the device's signed
-- credentials against it. updated_at is epoch milliseconds, like every time in this schema.
CREATE TABLE device_secrets (
    device     VARCHAR(300) NOT NULL PRIMARY KEY,
    secret     VARCHAR(200) NOT NULL,
    updated_at BIGINT       NOT NULL
);
