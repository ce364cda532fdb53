-- The control each device has not answered yet, as the platform keeps it: get_status_reply hands it back as
-- data.control until the device answers it (control_reply), a newer control replaces it, or the device sends
-- clear_control. Written in the transaction of the transition that sent the control.
CREATE TABLE kept_controls (
    device       VARCHAR(300) NOT NULL PRIMARY KEY,
    client_token VARCHAR(200) NOT NULL,
    params       VARCHAR      NOT NULL,
    created_at   BIGINT       NOT NULL
);
