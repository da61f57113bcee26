package io.odyssey.archiver;

import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.UnwritableDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An archiver that could not record how far it has archived (beside the journal, for retention) or keep its embedded
 * database's files refuses to start, naming the directory, the setting and the user (exit code 2), before it starts
 * anything.
 */
class ArchiverStartupTest
{
    @TempDir
    Path temp;

    @Test
    void shouldRefuseToStartOnAJournalDirectoryItCannotWrite() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final ArchiverConfig config = new ArchiverConfig();
            config.journalDir = unwritable.path().resolve("ingest-1").toString();
            config.dbUrl = "jdbc:postgresql://127.0.0.1:1/never-reached";
            config.statusPort = 0;

            assertThatThrownBy(() -> Archiver.launch(config)).as(unwritable.how())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("ODYSSEY_ARCHIVER_JOURNAL_DIR: cannot write to " + unwritable.path().resolve("ingest-1"))
                .hasMessageContaining("as user " + System.getProperty("user.name"));
        }
    }

    @Test
    void shouldRefuseToStartTheEmbeddedDatabaseInADirectoryItCannotWrite() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final ArchiverConfig config = new ArchiverConfig();
            config.journalDir = Files.createDirectories(temp.resolve("journal")).toString();
            config.dbUrl = "";
            config.embeddedDbDir = unwritable.path().resolve("postgres").toString();
            config.statusPort = 0;

            assertThatThrownBy(() -> Archiver.launch(config)).as(unwritable.how())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR: cannot write to " +
                    unwritable.path().resolve("postgres"));
        }
    }
}
