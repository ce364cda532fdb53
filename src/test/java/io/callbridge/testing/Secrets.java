package io.callbridge.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * What the whole test run must never have written anywhere: every secret the tests hand to CallBridge, and where
 * each CallBridge they started logged. Kept under {@code target/secret-scan/}, across the test JVMs of one build;
 * {@code WholeRunLeaksNoSecretsIT} runs last and searches every log of the run for every secret.
 */
public final class Secrets {

    static final Path DIR = Path.of("target", "secret-scan");
    static final Path SECRETS = DIR.resolve("secrets.txt");
    static final Path LOG_DIRS = DIR.resolve("log-dirs.txt");
    static final Path SECRET_FILES = DIR.resolve("secret-files.txt");
    /** Where the tests' own Quarkus applications log (CallBridgeTestResource). */
    public static final Path QUARKUS_LOG = Path.of("target", "test-logs", "quarkus-tests.log");

    static final int SHORTEST = 8;

    private Secrets() {
    }

    /**
     * Notes a secret the test hands to CallBridge; returns it. Shorter than {@value #SHORTEST} characters it could
     * stand in a log for something else, so it is not searched for.
     */
    public static String used(String secret) {
        if (secret != null && secret.length() >= SHORTEST) {
            append(SECRETS, secret);
        }
        return secret;
    }

    /** Whether a configuration key holds a secret; for a map of tokens the secret is the key's last part. */
    public static boolean isSecretKey(String key) {
        return key.substring(key.lastIndexOf('.') + 1).matches("(.*-)?(token|secret|password)");
    }

    /** Notes the secrets of a configuration entry: its value, and for {@code callbridge.auth.tokens.<token>} the token. */
    public static void usedIn(String key, String value) {
        if (key.startsWith("callbridge.auth.tokens.")) {
            used(key.substring("callbridge.auth.tokens.".length()));
        } else if (isSecretKey(key)) {
            used(value);
        }
    }

    /** Notes a folder whose text files (logs, traces, anything but the stores) the scan reads. */
    public static void logDir(Path dir) {
        append(LOG_DIRS, dir.toAbsolutePath().toString());
    }

    /** Logs and anything that is not one of the stores' files (the database keeps device secrets, as it must). */
    public static boolean isText(Path f) {
        String name = f.getFileName().toString();
        // config.xml: the embedded broker's, which quotes the TLS key store's password (owner-only, as the others).
        return !name.endsWith(".db") && !name.endsWith(".mv.db") && !name.equals("service-password")
                && !f.toString().endsWith("/hivemq/conf/config.xml")
                && !f.toString().contains("/hivemq/data/") && !f.toString().contains("/routes/");
    }

    /** Notes a file that will hold a secret CallBridge made itself (its generated service password). */
    public static void secretIn(Path file) {
        append(SECRET_FILES, file.toAbsolutePath().toString());
    }

    /** Every secret noted in this build, with those CallBridge made itself and kept in the noted files. */
    public static List<String> recorded() throws IOException {
        List<String> all = new java.util.ArrayList<>(lines(SECRETS));
        for (String file : new java.util.LinkedHashSet<>(lines(SECRET_FILES))) {
            Path f = Path.of(file);
            if (Files.exists(f)) {
                all.add(Files.readString(f, StandardCharsets.UTF_8).trim());
            }
        }
        return all;
    }

    public static List<Path> recordedLogDirs() throws IOException {
        return new java.util.LinkedHashSet<>(lines(LOG_DIRS)).stream().map(Path::of).filter(Files::isDirectory).toList();
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }

    private static synchronized void append(Path file, String line) {
        try {
            Files.createDirectories(DIR);
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
