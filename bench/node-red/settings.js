// Node-RED settings for the CallBridge load harness (bench/run starts Node-RED with these).
// Headless: no editor, no admin API, no HTTP listener at all. Everything else comes from the environment,
// which the harness sets per start: MQTT_HOST, MQTT_PORT, MQTT_CLIENT_ID, WEBHOOK_URL, WEBHOOK_SECRET.
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: parseInt(process.env.NODE_RED_PORT || "0", 10),
    httpAdminRoot: false,
    httpNodeRoot: false,
    credentialSecret: false,
    flowFilePretty: false,
    // The function node signs the webhooks with Node's own crypto module.
    functionGlobalContext: {
        crypto: require("crypto")
    },
    functionExternalModules: false,
    externalModules: {
        autoInstall: false,
        palette: { allowInstall: false, allowUpload: false }
    },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    runtimeState: { enabled: false, ui: false },
    editorTheme: { projects: { enabled: false } },
    logging: {
        console: {
            level: process.env.NODE_RED_LOG_LEVEL || "warn",
            metrics: false,
            audit: false
        }
    }
};
