package io.callbridge.broker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** A file that holds a secret (a password, a configuration quoting one): its owner's alone from the moment it exists. */
public final class OwnerOnlyFile {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private OwnerOnlyFile() {
    }

    /** Writes the text, creating the file owner-only, or making an existing one so, where the file system has owners. */
    public static void write(Path file, String text) throws IOException {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.exists(file)) {
            Files.createFile(file, posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                    : new FileAttribute<?>[0]);
        } else if (posix) {
            Files.setPosixFilePermissions(file, OWNER_ONLY);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
