package io.odyssey.ingest;

import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.GridSettings;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.UnwritableDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * An ingest node that could not journal must not start (it would report healthy, accept frames and fail every
 * append): it refuses at once, before waiting for the grid, naming the directory and the user (exit code 2).
 */
class EdgeIngestStartupTest
{
    /** The drones these tests fly, with their keys (ingest verifies every frame). */
    private static final Path KEYS = TestDroneKeys.file(1, 10);

    @TempDir
    Path temp;

    @Test
    void shouldRefuseToStartOnAJournalDirectoryItCannotWriteBeforeWaitingForTheGrid() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final EdgeIngestConfig config = configWithoutGrid();
            config.journalDir = unwritable.path().resolve("journal").toString();

            assertThat(refusal(config)).as(unwritable.how())
                .startsWith("ODYSSEY_INGEST_JOURNAL_DIR: cannot write to " + unwritable.path().resolve("journal"))
                .contains("as user " + System.getProperty("user.name") + " (uid ");
        }
    }

    @Test
    void shouldRefuseToStartOnAnAeronDirectoryWhoseParentItCannotWrite() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final EdgeIngestConfig config = configWithoutGrid();
            config.journalDir = temp.resolve("journal").toString();
            config.aeronDir = unwritable.path().resolve("aeron").toString();

            assertThat(refusal(config)).as(unwritable.how())
                .startsWith("ODYSSEY_INGEST_AERON_DIR: cannot write to " + unwritable.path());
        }
    }

    @Test
    void shouldExitWithCodeTwoAndALineNamingTheDirectoryAndTheUserAsAProcess() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final Path journal = unwritable.path().resolve("journal");
            final Path output = temp.resolve("edge-ingest.log");
            final ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), EdgeIngestMain.class.getName())
                .redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().put(EdgeIngestConfig.JOURNAL_DIR.envName(), journal.toString());
            builder.environment().put(GridSettings.MEMBERS.envName(), "127.0.0.1:1");
            builder.environment().put(EdgeIngestConfig.STATUS_PORT.envName(), "0");
            builder.environment().put(EdgeIngestConfig.DRONE_KEYS.envName(), KEYS.toString());
            final Process process = builder.start();
            try
            {
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
                assertThat(process.exitValue()).as(Files.readString(output)).isEqualTo(2);
                assertThat(Files.readString(output)).as(unwritable.how())
                    .contains("edge-ingest refused to start: ODYSSEY_INGEST_JOURNAL_DIR: cannot write to " + journal +
                        " as user " + System.getProperty("user.name") + " (uid ");
            }
            finally
            {
                process.destroyForcibly();
            }
        }
    }

    private static EdgeIngestConfig configWithoutGrid()
    {
        final EdgeIngestConfig config = new EdgeIngestConfig();
        config.droneKeys = KEYS.toString();
        config.clusterName = "startup-test-no-grid";
        // Nothing listens there: launch would wait for the grid if it got that far.
        config.gridMembers = List.of("127.0.0.1:1");
        config.statusPort = 0;
        return config;
    }

    private static String refusal(final EdgeIngestConfig config)
    {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
            assertThrows(ConfigurationException.class, () -> EdgeIngest.launch(config))).getMessage();
    }
}
