package io.odyssey.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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

    /**
     * Deletes the temporary files {@link #write} left beside {@code file} when its process died between creating one
     * and moving it ({@code kill -9}, power loss): the {@code finally} that removes it never ran, and no later write
     * reuses its name, so without this they pile up one per such death. Only for a file a single process writes, and
     * before it writes: another writer's temporary file would be deleted from under it.
     *
     * @return how many were deleted.
     */
    public static int deleteLeftovers(final Path file) throws IOException
    {
        final Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir))
        {
            return 0;
        }
        // Files.createTempFile names them prefix + an unsigned random long + suffix.
        final Pattern leftover = Pattern.compile(Pattern.quote("." + file.getFileName()) + "[0-9]+\\.tmp");
        int deleted = 0;
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path candidate : (Iterable<Path>)files::iterator)
            {
                if (leftover.matcher(candidate.getFileName().toString()).matches() && Files.isRegularFile(candidate) &&
                    Files.deleteIfExists(candidate))
                {
                    deleted++;
                }
            }
        }
        return deleted;
    }
}
