package io.callbridge.broker;

import io.callbridge.call.CallStore.Registered;
import io.callbridge.thing.DeviceCredentials;
import io.callbridge.thing.DeviceId;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry as Mosquitto's files; that Mosquitto takes them is DeviceAclMosquittoIT's job. */
class MosquittoFilesTest {

    private static final DeviceId A = new DeviceId("ABCDEFGHIJ", "door01");
    private static final DeviceId B = new DeviceId("ABCDEFGHIJ", "door02");
    private static final String SECRET = "c2VjcmV0LW9mLWRvb3IwMQ==";

    @Test
    void theFixedCredentialIsAPlatformCredentialThatNeverExpires() {
        assertEquals("ABCDEFGHIJdoor01;12010126;00000;4294967295", MosquittoFiles.username(A));
        assertEquals(DeviceCredentials.password(MosquittoFiles.username(A), SECRET), MosquittoFiles.password(A, SECRET));
        // The embedded broker and the relay take it too: one credential for the device wherever it connects.
        assertEquals(java.util.Optional.empty(), DeviceCredentials.refusal(A, SECRET, MosquittoFiles.username(A),
                MosquittoFiles.password(A, SECRET), System.currentTimeMillis() / 1000));
    }

    @Test
    void oneHashedLinePerDevice_inMosquittosOwnFormat_andTheSameRegistryGivesTheSameFile() {
        List<Registered> registry = List.of(new Registered(A, SECRET), new Registered(B, SECRET));
        String file = MosquittoFiles.passwordFile(registry);
        List<String> lines = file.lines().filter(l -> !l.startsWith("#")).toList();
        assertEquals(2, lines.size(), file);
        assertTrue(lines.get(0).matches("ABCDEFGHIJdoor01;12010126;00000;4294967295:\\$7\\$101\\$[A-Za-z0-9+/]{16}\\$"
                + "[A-Za-z0-9+/]{86}=="), lines.get(0));
        assertTrue(!file.contains(SECRET) && !file.contains(MosquittoFiles.password(A, SECRET)), "only hashes");
        assertEquals(file, MosquittoFiles.passwordFile(registry));
        assertNotEquals(lines.get(0).split("\\$")[3], lines.get(1).split("\\$")[3], "each user its own salt");
        assertNotEquals(file, MosquittoFiles.passwordFile(List.of(new Registered(A, "YW5vdGhlci1zZWNyZXQtb2YtZG9vcjAx"),
                new Registered(B, SECRET))), "a new secret, a new hash");
    }

    @Test
    void eachDeviceMayWriteOnlyItsUpTopicsAndReadOnlyItsDownTopics() {
        String acl = MosquittoFiles.aclFile(List.of(new Registered(A, SECRET)));
        assertEquals(List.of("user ABCDEFGHIJdoor01;12010126;00000;4294967295",
                "topic write $thing/up/+/ABCDEFGHIJ/door01", "topic read $thing/down/+/ABCDEFGHIJ/door01"),
                acl.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList());
    }
}
