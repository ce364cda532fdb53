package io.callbridge.testing;

import io.callbridge.thing.DeviceId;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The packaged jar as its own process, started the way the README starts it ({@code java -jar
 * target/quarkus-app/quarkus-run.jar} in a folder holding {@code routes/}), for tests that restart or kill it.
 */
public final class CallBridgeProcess implements AutoCloseable {

    /** The management API's token unless the test sets callbridge.admin.token itself. */
    public static final String ADMIN_TOKEN = "it-admin-token";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path work;
    private final Map<String, String> properties;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;
    private Path log;
    private int httpPort;

    /** A working folder with a copy of the project's routes/ and the given -D properties. */
    public CallBridgeProcess(Path work, Map<String, String> properties) throws IOException {
        this.work = work;
        this.properties = new LinkedHashMap<>(properties);
        this.httpPort = freePort();
        this.properties.putIfAbsent("quarkus.http.port", String.valueOf(httpPort));
        this.properties.putIfAbsent("callbridge.data-dir", work.resolve("data").toString());
        this.properties.putIfAbsent("callbridge.p2p.port", "0");
        this.properties.putIfAbsent("callbridge.admin.token", ADMIN_TOKEN);
        this.properties.forEach(Secrets::usedIn);
        Secrets.logDir(work);
        Secrets.secretIn(Path.of(this.properties.get("callbridge.data-dir")).resolve("broker").resolve("service-password"));
        if (!Files.exists(work.resolve("routes"))) {
            copyTree(Path.of("routes"), work.resolve("routes"));
        }
    }

    /** An environment variable for the process (the tests' own CALLBRIDGE_/QUARKUS_ variables are not passed). */
    public CallBridgeProcess env(String name, String value) {
        Secrets.usedIn(name.toLowerCase(java.util.Locale.ROOT).replace('_', '.'), value);
        environment.put(name, value);
        return this;
    }

    public Path work() {
        return work;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    /**
     * Starts it and waits until /q/health is UP. A free port picked in advance can be taken by another process
     * before CallBridge binds it: then it starts again on another one.
     */
    public CallBridgeProcess start() throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce();
            } catch (AssertionError e) {
                boolean portTaken = log().contains("seems to be in use");
                if (!portTaken || attempt == 3 || !properties.get("quarkus.http.port").equals(String.valueOf(httpPort))) {
                    throw e;
                }
                httpPort = freePort();
                properties.put("quarkus.http.port", String.valueOf(httpPort));
            }
        }
    }

    /** Starts it and waits until /q/health answers with the given status (503: started, but not ready). */
    public CallBridgeProcess start(int healthStatus) throws IOException {
        startProcess();
        awaitHealth(healthStatus, Duration.ofSeconds(90));
        return this;
    }

    private CallBridgeProcess startOnce() throws IOException {
        startProcess();
        awaitHealth(200, Duration.ofSeconds(90));
        return this;
    }

    private void startProcess() throws IOException {
        log = work.resolve("callbridge-" + System.nanoTime() + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(Path.of(System.getProperty("callbridge.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("CALLBRIDGE_") || k.startsWith("QUARKUS_"));
        pb.environment().putAll(environment);
        process = pb.start();
    }

    public void awaitHealth(int status, Duration atMost) {
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("CallBridge exited with " + process.exitValue() + ":\n" + log());
            }
            return health() == status;
        });
    }

    /** A clean stop (SIGTERM). */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** {@code kill -9}: no shutdown hook, no flush, nothing said to the broker. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public String log() {
        try {
            return log == null ? "" : Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public int health() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A -D property for the next start; an empty value leaves it unset. */
    public CallBridgeProcess property(String key, String value) {
        Secrets.usedIn(key, value);
        properties.put(key, value);
        return this;
    }

    /** A GET with the management token, if one is configured. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path));
        return http.send(asOperator(request).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** With the operator's token, when the process has one. */
    private HttpRequest.Builder asOperator(HttpRequest.Builder request) {
        String token = properties.getOrDefault("callbridge.admin.token", "");
        return token.isEmpty() ? request : request.header("Authorization", "Bearer " + token);
    }

    /** A GET without credentials. */
    public HttpResponse<String> getAnonymously(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A management request: DELETE with the operator's token. */
    public HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path)).DELETE();
        return http.send(asOperator(request).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A management request: PUT with the operator's token. */
    public HttpResponse<String> put(String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json));
        return http.send(asOperator(request).build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Registers the device with a fresh random secret, which it returns (base64, as the platform shows it). */
    public String registerDevice(DeviceId device) throws IOException, InterruptedException {
        String secret = Secrets.used(randomSecret());
        HttpResponse<String> r = put("/api/devices/" + device + "/secret", "{\"secret\":\"" + secret + "\"}");
        if (r.statusCode() != 200) {
            throw new AssertionError("registering " + device + ": " + r.statusCode() + " " + r.body());
        }
        return secret;
    }

    /** Binds the users to the device (they may call it, read its data and join it on the relay). */
    public void bindUsers(DeviceId device, String... users) throws IOException, InterruptedException {
        HttpResponse<String> r = put("/api/devices/" + device + "/users",
                "{\"users\":[" + String.join(",", Stream.of(users).map(u -> "\"" + u + "\"").toList()) + "]}");
        if (r.statusCode() != 200) {
            throw new AssertionError("binding " + device + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** A fresh device secret: 32 random bytes in base64, as the platform makes them. */
    public static String randomSecret() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** A device id nobody has used: a product id of {@code letter} and nine random letters and digits. */
    public static DeviceId newDevice(char letter) {
        return new DeviceId(letter + UUID.randomUUID().toString().replace("-", "").substring(0, 9).toUpperCase(),
                "door01");
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
