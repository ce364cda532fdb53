package io.callbridge.testing;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole run's secret scan finds what it looks for, in either form, and nothing else. */
class SecretScanTest {

    @Test
    void findsEachSecretAsWrittenAndJsonEscaped_andNothingElse(@TempDir Path dir) throws Exception {
        String a = "c2VjcmV0/b2YtZG9vcjAx+==";
        String b = "admin-Zq8xSecretAdminToken";
        SecretScan scan = new SecretScan(List.of(a, b, "short"));
        Path log = Files.writeString(dir.resolve("x.log"), "line one\n{\"secret\":\"" + a.replace("/", "\\/")
                + "\"}\nAuthorization: Bearer " + b + "\nc2VjcmV0 is only the start of one; short is too short\n");
        List<SecretScan.Finding> found = scan.scan(log);
        assertEquals(2, found.size(), found.toString());
        assertTrue(found.get(0).around().contains("{\"secret\":\"[SECRET]\"}"), found.get(0).around());
        assertEquals("admi", found.get(1).secretStart());
        assertFalse(found.toString().contains(b), "a finding never quotes the secret");
        assertEquals(List.of(), scan.scan(Files.writeString(dir.resolve("clean.log"), "nothing here " + b.substring(1)
                + " " + b.substring(0, 11))));
        assertEquals(1, scan.scan(Files.writeString(dir.resolve("start.log"), "secret starts " + b.substring(0, 12) + "…"))
                .size(), "the first twelve characters of a secret are a leak");
    }
}
