package io.odyssey.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DroneKeyMarksTest
{
    @TempDir
    Path dir;

    @Test
    void shouldDeleteWhatAWriteCutShortByTheNodesDeathLeftWhenLoadingAtStart() throws Exception
    {
        final Path file = dir.resolve(DroneKeyMarks.FILE_NAME);
        DroneKeyMarks.load(file, 10).raise(Map.of(7L, 3L));
        // The node died during its next write (kill -9 after the temporary file was made, before the move).
        final Path leftover = Files.createTempFile(dir, "." + DroneKeyMarks.FILE_NAME, ".tmp");
        Files.writeString(leftover, "7 4\n");

        final DroneKeyMarks marks = DroneKeyMarks.load(file, 10);

        assertThat(leftover).doesNotExist();
        // The last write that finished holds.
        assertThat(marks.mark(7)).isEqualTo(3);
        marks.raise(Map.of(7L, 5L));
        assertThat(DroneKeyMarks.load(file, 10).mark(7)).isEqualTo(5);
        try (var files = Files.list(dir))
        {
            assertThat(files).containsExactly(file);
        }
    }
}
