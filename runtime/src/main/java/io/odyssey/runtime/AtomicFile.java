package io.odyssey.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Replaces a small file's whole text so that a reader, or the process after a crash, finds the old text or the new one
 * and never half of either: written to a temporary file beside it, forced to disk, then moved over it.
 */
public final class AtomicFile
{
    private AtomicFile()
    {
    }

    /**
     * @param ownerOnly the file (from its first byte) is readable by its owner only: keys, and what guards them.
     */
    public static void write(final Path file, final CharSequence text, final boolean ownerOnly) throws IOException
    {
        final Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path temporary = ownerOnly ?
            Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))) :
            Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try
        {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE))
            {
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        finally
        {
            Files.deleteIfExists(temporary);
        }
    }
}
