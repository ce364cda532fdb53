-- Devices sign in to the embedded broker with the platform's client id, {ProductId}{DeviceName}: the registry finds
-- them by it, and two devices whose ids give the same client id (A/BC and AB/C) cannot both be registered.
ALTER TABLE device_secrets ADD COLUMN client_id VARCHAR(300);
UPDATE device_secrets SET client_id = REPLACE(device, '/', '');
CREATE UNIQUE INDEX device_secrets_by_client_id ON device_secrets (client_id);
