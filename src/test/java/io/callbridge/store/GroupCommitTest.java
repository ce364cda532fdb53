package io.callbridge.store;

import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one writer on a real H2 file database: what shares a commit, and when it waits for company. */
class GroupCommitTest {

    @TempDir
    Path dir;

    private JdbcDataSource db;
    private Connection keeper;
    private GroupCommit commits;

    @BeforeEach
    void open() throws Exception {
        db = new JdbcDataSource();
        db.setURL("jdbc:h2:file:" + dir.resolve("gc") + ";WRITE_DELAY=0");
        keeper = db.getConnection();
        keeper.createStatement().execute("CREATE TABLE t (k INT PRIMARY KEY)");
    }

    @AfterEach
    void close() throws Exception {
        if (commits != null) {
            commits.close();
        }
        keeper.close();
    }

    private static GroupCommit.Write insert(int k) {
        return c -> {
            try (PreparedStatement s = c.prepareStatement("INSERT INTO t (k) VALUES (?)")) {
                s.setInt(1, k);
                return s.executeUpdate() == 1;
            }
        };
    }

    private int rows() throws Exception {
        try (ResultSet r = keeper.createStatement().executeQuery("SELECT COUNT(*) FROM t")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void whileWritesComeFastEnoughTheyWaitForCompanyAndShareOneCommit() throws Exception {
        // A rate of 0 is always reached; a window of a minute ends only when the batch is full.
        commits = new GroupCommit(db, 5, Duration.ofMillis(10), Duration.ofMinutes(1), 0);
        List<CompletableFuture<Boolean>> done = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            done.add(commits.submit(insert(i), null));
        }
        for (CompletableFuture<Boolean> f : done) {
            assertTrue(f.get(30, TimeUnit.SECONDS));
        }
        assertEquals(1, commits.batches(), "five writes, one commit");
        assertEquals(5, commits.written());
        assertEquals(5, rows());
    }

    @Test
    void belowTheRateAWriteCommitsAtOnceWithoutWaitingTheWindow() throws Exception {
        // The window is far longer than the test may take: a write that waited for it would time out below.
        commits = new GroupCommit(db, 512, Duration.ofMillis(10), Duration.ofMinutes(10), 1_000_000);
        for (int i = 0; i < 3; i++) {
            assertTrue(commits.submit(insert(i), null).get(30, TimeUnit.SECONDS));
        }
        assertEquals(3, commits.batches(), "each write alone, none kept waiting");
        assertEquals(3, rows());
        assertTrue(commits.rate() < 1_000_000);
    }

    @Test
    void aWriteThatLosesItsRaceInAWaitingBatchUndoesOnlyItself() throws Exception {
        commits = new GroupCommit(db, 3, Duration.ofMillis(10), Duration.ofMinutes(1), 0);
        CompletableFuture<Boolean> first = commits.submit(insert(1), null);
        CompletableFuture<Boolean> duplicate = commits.submit(insert(1), null);
        CompletableFuture<Boolean> other = commits.submit(insert(2), null);
        assertTrue(first.get(30, TimeUnit.SECONDS));
        assertFalse(duplicate.get(30, TimeUnit.SECONDS), "a unique violation is a lost race, not a failure");
        assertTrue(other.get(30, TimeUnit.SECONDS));
        assertEquals(1, commits.batches());
        assertEquals(2, rows());
    }
}
