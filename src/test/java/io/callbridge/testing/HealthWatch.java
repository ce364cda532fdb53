package io.callbridge.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Reads {@code /q/health} about every quarter second in the background, so a test can say what it was throughout. */
public final class HealthWatch implements AutoCloseable {

    /** One reading: HTTP status (-1: no answer) and the body, at {@code atMillis}. */
    public record Reading(long atMillis, int status, String body) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI uri;
    private final List<Reading> readings = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "health-watch");
        t.setDaemon(true);
        return t;
    });

    public HealthWatch(String baseUrl) {
        uri = URI.create(baseUrl + "/q/health");
        // A quarter second after each answer: a slow answer delays the next reading instead of piling them up.
        reader.scheduleWithFixedDelay(this::read, 0, 250, TimeUnit.MILLISECONDS);
    }

    private void read() {
        long at = System.currentTimeMillis();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            readings.add(new Reading(at, r.statusCode(), r.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            readings.add(new Reading(at, -1, String.valueOf(e)));
        }
    }

    public List<Reading> readings() {
        return new ArrayList<>(readings);
    }

    /** Readings that were not 200 (UP). */
    public List<Reading> notUp() {
        return readings.stream().filter(r -> r.status() != 200).toList();
    }

    public Reading last() {
        return readings.isEmpty() ? null : readings.get(readings.size() - 1);
    }

    @Override
    public void close() throws InterruptedException {
        reader.shutdownNow();
        reader.awaitTermination(5, TimeUnit.SECONDS);
    }
}
