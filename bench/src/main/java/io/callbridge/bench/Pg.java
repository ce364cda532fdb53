package io.callbridge.bench;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A fresh PostgreSQL database per start of callbridge-pg, made and dropped with psql. */
final class Pg {

    private static final Pattern URL = Pattern.compile("jdbc:postgresql://([^:/]+)(?::(\\d+))?/([^?]*)(\\?.*)?");

    private Pg() {
    }

    static String url(Options o, String database) {
        Matcher m = matcher(o);
        return "jdbc:postgresql://" + m.group(1) + ":" + port(m) + "/" + database + (m.group(4) == null ? "" : m.group(4));
    }

    static void create(Options o, String database) {
        String out = psql(o, "CREATE DATABASE " + database);
        if (!out.contains("CREATE DATABASE")) {
            throw new IllegalStateException("psql could not create " + database + ": " + out);
        }
    }

    static void drop(Options o, String database) {
        String out = psql(o, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        if (!out.contains("DROP DATABASE")) {
            Bench.log("  warning: could not drop database " + database + ": " + out);
        }
    }

    private static String psql(Options o, String sql) {
        Matcher m = matcher(o);
        return Proc.run(Duration.ofSeconds(60), "env", "PGPASSWORD=" + o.pgPassword, "psql", "-h", m.group(1),
                "-p", port(m), "-U", o.pgUser, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql);
    }

    private static String port(Matcher m) {
        return m.group(2) == null ? "5432" : m.group(2);
    }

    private static Matcher matcher(Options o) {
        Matcher m = URL.matcher(o.pgUrl);
        if (!m.matches()) {
            throw new IllegalArgumentException("--pg-url must look like jdbc:postgresql://host:port/db: " + o.pgUrl);
        }
        return m;
    }
}
