package io.odyssey.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class AtomicFileTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReplaceTheWholeTextAndLeaveNoTemporaryFile() throws Exception
    {
        final Path file = dir.resolve("marks");
        AtomicFile.write(file, "1 1\n");
        AtomicFile.write(file, "1 2\n2 1\n");

        assertThat(Files.readString(file)).isEqualTo("1 2\n2 1\n");
        try (var files = Files.list(dir))
        {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void shouldDeleteTheTemporaryFilesOfWritesThatDidNotFinishAndNothingElse() throws Exception
    {
        final Path file = dir.resolve("drone-key-marks");
        Files.writeString(file, "7 3\n");
        // What a process killed between creating its temporary file and moving it leaves, as createTempFile names it.
        final Path leftover = Files.createTempFile(dir, ".drone-key-marks", ".tmp");
        Files.writeString(dir.resolve(".drone-key-marks18446744073709551615.tmp"), "7 4\n");
        // Not this file's: another file's temporary file, a name that only looks alike, the file itself.
        final Path other = Files.createTempFile(dir, ".drone-keys", ".tmp");
        final Path alike = Files.writeString(dir.resolve(".drone-key-marks.backup.tmp"), "kept");

        assertThat(AtomicFile.deleteLeftovers(file)).isEqualTo(2);

        assertThat(leftover).doesNotExist();
        assertThat(dir.resolve(".drone-key-marks18446744073709551615.tmp")).doesNotExist();
        assertThat(other).exists();
        assertThat(alike).exists();
        assertThat(file).hasContent("7 3");
        assertThat(AtomicFile.deleteLeftovers(file)).isZero();
    }

    @Test
    void shouldFindNothingToDeleteWhereTheDirectoryDoesNotExistYet() throws Exception
    {
        assertThat(AtomicFile.deleteLeftovers(dir.resolve("journal").resolve("drone-key-marks"))).isZero();
    }
}
