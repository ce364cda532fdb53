package io.callbridge;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The picture of docs/design-notes.md ("Packages"), held by the compiled classes. */
class PackagesTest {

    /** The beans the routes call and the wiring around them. */
    private static final String[] GLUE = {"io.callbridge.device..", "io.callbridge.app..", "io.callbridge.records..",
            "io.callbridge.outbox..", "io.callbridge.relay..", "io.callbridge.runtime.."};
    /** The protocol and its parts, each usable and testable without Quarkus or the glue. */
    private static final String[] CORE = {"io.callbridge.thing..", "io.callbridge.call..", "io.callbridge.store..",
            "io.callbridge.api..", "io.callbridge.webhook..", "io.callbridge.push..", "io.callbridge.mqtt..",
            "io.callbridge.broker..", "io.callbridge.p2p..", "io.callbridge.limits.."};

    private static final JavaClasses PRODUCT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.callbridge");

    @Test
    void theCoreUsesNoGlue() {
        noClasses().that().resideInAnyPackage(CORE).should().dependOnClassesThat().resideInAnyPackage(GLUE)
                .check(PRODUCT);
    }

    @Test
    void theProtocolClassesKnowNothingOfCamelOrQuarkus() {
        noClasses().that().resideInAnyPackage("io.callbridge.thing..", "io.callbridge.call..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.camel..", "io.quarkus..",
                        "jakarta.enterprise..", "jakarta.inject..")
                .check(PRODUCT);
    }

    /** Simulators and test doubles are test code: the product jar and the container carry none. */
    @Test
    void theProductHoldsNoSimulatorOrTestDouble() {
        noClasses().should().resideInAPackage("io.callbridge.sim..")
                .orShould().haveSimpleNameStartingWith("InMemory")
                .check(PRODUCT);
    }
}
