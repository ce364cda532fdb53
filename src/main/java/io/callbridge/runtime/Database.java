package io.callbridge.runtime;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource.DataSourceLiteral;
import io.quarkus.arc.Arc;
import io.quarkus.flyway.FlywayDataSource.FlywayDataSourceLiteral;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import org.eclipse.microprofile.config.ConfigProvider;
import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

/**
 * The database CallBridge keeps its calls in: PostgreSQL when {@code quarkus.datasource.jdbc.url} is set, else
 * the embedded H2 file under {@code callbridge.data-dir}. Migrated on first use, the same migrations for both.
 */
@ApplicationScoped
public class Database {

    static final String EMBEDDED = "embedded";
    private static final Logger LOG = Logger.getLogger(Database.class);

    private AgroalDataSource dataSource;

    /** Migrate before any route runs, so a bad URL or schema fails the start, not the first call. */
    void beforeCamel(@jakarta.enterprise.event.Observes org.apache.camel.quarkus.main.events.BeforeStart event) {
        dataSource();
    }

    public synchronized AgroalDataSource dataSource() {
        if (dataSource != null) {
            return dataSource;
        }
        boolean external = ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.jdbc.url", String.class)
                .isPresent();
        Flyway flyway;
        if (external) {
            dataSource = Arc.container().select(AgroalDataSource.class, Default.Literal.INSTANCE).get();
            flyway = Arc.container().select(Flyway.class, Default.Literal.INSTANCE).get();
        } else {
            dataSource = Arc.container().select(AgroalDataSource.class, new DataSourceLiteral(EMBEDDED)).get();
            flyway = Arc.container().select(Flyway.class, FlywayDataSourceLiteral.of(EMBEDDED)).get();
        }
        var result = flyway.migrate();
        LOG.infof("Database: %s, schema version %s (%d migrations applied now)",
                external ? ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class)
                        : "embedded H2 under " + ConfigProvider.getConfig().getValue("callbridge.data-dir", String.class),
                flyway.info().current() == null ? "none" : flyway.info().current().getVersion(), result.migrationsExecuted);
        return dataSource;
    }
}
