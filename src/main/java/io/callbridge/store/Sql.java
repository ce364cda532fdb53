package io.callbridge.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** One statement on its own connection (auto-commit), for reads and single-row updates outside a transition. */
public final class Sql {

    /** Reads one row. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet r) throws SQLException;
    }

    private Sql() {
    }

    public static <T> List<T> query(DataSource db, String what, String sql, Row<T> row, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement s = prepare(c, sql, args)) {
            List<T> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(row.read(r));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new StoreException(what, e);
        }
    }

    public static int update(DataSource db, String what, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement s = prepare(c, sql, args)) {
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException(what, e);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... args) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
        return s;
    }
}
