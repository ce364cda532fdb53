package io.callbridge.records;

import io.callbridge.broker.MosquittoFiles;
import io.callbridge.call.CallService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/** The registry as the files a plain Mosquitto in front of CallBridge reads (docs/security.md). */
@ApplicationScoped
@Named("brokerFiles")
public class BrokerFiles {

    @Inject
    CallService calls;

    public String passwordFile() {
        return MosquittoFiles.passwordFile(calls.store().registeredDevices());
    }

    public String aclFile() {
        return MosquittoFiles.aclFile(calls.store().registeredDevices());
    }
}
