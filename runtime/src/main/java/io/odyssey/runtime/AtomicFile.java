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
 * and never half of either: written to a temporary file beside it, forced to disk, then moved over it. The file is
 * readable by its owner only from its first byte ({@link Files#createTempFile} creates it so): every file written
 * this way holds keys or guards them.
 */
public final class AtomicFile
{
    private AtomicFile()
    {
    }

    public static void write(final Path file, final CharSequence text) throws IOException
    {
        final Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final Path temporary = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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
