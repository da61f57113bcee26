package io.odyssey.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WritableDirectoryTest
{
    private static final Setting SETTING = Setting.of("ODYSSEY_TEST_DATA_DIR", "", "a directory the test writes");

    @TempDir
    Path temp;

    @Test
    void shouldCreateAMissingDirectoryAndLeaveNothingBehindInIt()
    {
        final Path dir = temp.resolve("a/b/c");

        assertThat(WritableDirectory.require(SETTING, dir)).isEqualTo(dir.toAbsolutePath());

        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void shouldRefuseADirectoryThisUserCannotWriteNamingTheSettingTheDirectoryAndTheUser() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final Path dir = unwritable.path().resolve("journal");

            assertThatThrownBy(() -> WritableDirectory.require(SETTING, dir)).as(unwritable.how())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("ODYSSEY_TEST_DATA_DIR: cannot write to " + dir + " as user " +
                    System.getProperty("user.name") + " (uid ")
                .hasMessageContaining(unwritable.path() + ", the nearest existing parent, is a directory owned by uid")
                .hasMessageContaining("Make the directory writable for this user");
            assertThatThrownBy(() -> WritableDirectory.require(SETTING, unwritable.path())).as(unwritable.how())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("it is a directory owned by uid");
        }
    }

    @Test
    void shouldRefuseAPathBelowARegularFile() throws Exception
    {
        final Path file = Files.writeString(temp.resolve("not-a-directory"), "x");

        assertThatThrownBy(() -> WritableDirectory.require(SETTING, file.resolve("journal")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining(file + ", the nearest existing parent, is not a directory");
    }

    @Test
    void shouldReportADirectoryThatStopsBeingWritableAtTheNextProbe() throws Exception
    {
        final Path dir = Files.createDirectories(temp.resolve("unwritable"));
        final HealthCheck check = WritableDirectory.healthCheck(dir, 0);
        assertThat(check.check().healthy()).isTrue();

        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final HealthCheck.Result down = WritableDirectory.healthCheck(unwritable.path(), 0).check();

            assertThat(down.healthy()).as(unwritable.how()).isFalse();
            assertThat(down.detail()).startsWith("cannot write " + unwritable.path() + " as user ");
        }
        assertThat(check.check().healthy()).isTrue();
    }

    @Test
    void shouldProbeAtMostOncePerIntervalAndAnswerFromTheLastProbeInBetween() throws Exception
    {
        final Path dir = Files.createDirectories(temp.resolve("probed"));
        final HealthCheck check = WritableDirectory.healthCheck(dir, TimeUnit.HOURS.toNanos(1));
        assertThat(check.check().healthy()).isTrue();
        Files.delete(dir);
        Files.writeString(dir, "now a file");

        assertThat(check.check().healthy()).as("cached within the interval").isTrue();
        assertThat(WritableDirectory.healthCheck(dir, TimeUnit.HOURS.toNanos(1)).check().healthy()).isFalse();
    }
}
