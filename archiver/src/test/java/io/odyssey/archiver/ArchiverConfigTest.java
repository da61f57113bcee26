package io.odyssey.archiver;

import io.odyssey.runtime.ConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArchiverConfigTest
{
    @Test
    void shouldAcceptTheDefaultsAndUseTheEmbeddedDatabaseWithoutAUrl()
    {
        final ArchiverConfig config = new ArchiverConfig().conclude();
        assertThat(config.embeddedDatabase()).isTrue();
        config.dbUrl = "jdbc:postgresql://db:5432/odyssey";
        assertThat(config.conclude().embeddedDatabase()).isFalse();
    }

    @Test
    void shouldRefuseTheSamplesPlaceholderPasswordNamingTheSettingAndNotShowingIt()
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.dbUrl = "jdbc:postgresql://db:5432/odyssey";
        config.dbPassword = "change-me-to-a-generated-password";
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_ARCHIVER_DB_PASSWORD").hasMessageNotContaining("change-me-to");
    }

    @Test
    void shouldRefuseAUrlThatIsNotJdbcWithoutShowingThePasswordItHolds()
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.dbUrl = "postgresql://user:secret@db/x";
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_ARCHIVER_DB_URL").hasMessageContaining("postgresql://user:***@db/x")
            .hasMessageNotContaining("secret");
    }

    @Test
    void shouldNameTheSettingThatIsWrong()
    {
        final ArchiverConfig badUrl = new ArchiverConfig();
        badUrl.dbUrl = "jdbc:mysql://db/odyssey";
        assertThatThrownBy(badUrl::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_ARCHIVER_DB_URL");

        final ArchiverConfig badName = new ArchiverConfig();
        badName.name = "a name with spaces";
        assertThatThrownBy(badName::conclude).hasMessageContaining("ODYSSEY_ARCHIVER_NAME");

        final ArchiverConfig badBatch = new ArchiverConfig();
        badBatch.batchRows = 0;
        assertThatThrownBy(badBatch::conclude).hasMessageContaining("ODYSSEY_ARCHIVER_BATCH_ROWS");

        final ArchiverConfig badDurability = new ArchiverConfig();
        badDurability.embeddedDbDurability = "none";
        assertThatThrownBy(badDurability::conclude).hasMessageContaining("ODYSSEY_ARCHIVER_EMBEDDED_DB_DURABILITY")
            .hasMessageContaining("full or fast");
    }

    @Test
    void shouldKeepTheEmbeddedDatabaseDurableUnlessFastIsChosen()
    {
        assertThat(new ArchiverConfig().embeddedDbDurability).isEqualTo("full");
    }
}
