package io.callbridge.e2e;

import io.callbridge.testing.SecretScan;
import io.callbridge.testing.Secrets;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No secret the tests used anywhere in what the whole run wrote (issue 8): every CallBridge's log and files, the
 * tests' own Quarkus log, Mosquitto's log, the test reports. Runs last (failsafe's alphabetical order), after the
 * unit tests and every other end-to-end test; run alone it fails, as it has nothing to search.
 */
class WholeRunLeaksNoSecretsIT {

    @Test
    void noSecretTheTestsUsedIsInAnyLogOrFileOfTheRun() throws Exception {
        Set<String> secrets = new LinkedHashSet<>(Secrets.recorded());
        List<Path> files = new ArrayList<>();
        for (Path dir : Secrets.recordedLogDirs()) {
            files.addAll(textFilesUnder(dir));
        }
        files.addAll(textFilesUnder(Path.of("target", "surefire-reports")));
        files.addAll(textFilesUnder(Path.of("target", "failsafe-reports")));
        assertTrue(secrets.size() >= 50, "only " + secrets.size() + " secrets recorded: run the whole suite first");
        assertTrue(files.stream().anyMatch(f -> f.endsWith(Secrets.QUARKUS_LOG.getFileName())),
                "the tests' Quarkus log is among " + files.size() + " files");
        assertTrue(files.stream().filter(f -> f.getFileName().toString().startsWith("callbridge-")).count() >= 5,
                "the packaged jar's logs are among them");

        SecretScan scan = new SecretScan(secrets);
        List<SecretScan.Finding> found = new ArrayList<>();
        long bytes = 0;
        for (Path f : files) {
            found.addAll(scan.scan(f));
            bytes += Files.size(f);
        }
        System.out.printf("searched %d files (%d MB) for %d secrets%n", files.size(), bytes >> 20, secrets.size());
        assertTrue(found.isEmpty(), found.size() + " secrets found:\n" + String.join("\n",
                found.stream().limit(20).map(Object::toString).toList()));
    }

    private static List<Path> textFilesUnder(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(Secrets::isText).toList();
        }
    }
}
