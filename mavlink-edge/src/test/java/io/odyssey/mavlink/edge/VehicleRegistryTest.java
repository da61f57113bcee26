package io.odyssey.mavlink.edge;

import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VehicleRegistryTest
{
    private static final Setting SETTING = Setting.of("ODYSSEY_TEST_MAVLINK_VEHICLES", "", "registry of a test");

    @TempDir
    Path dir;

    @Test
    void shouldReadVehiclesCommentsAndTheUnsignedFlag() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("vehicles"), """
            # system id, drone id
            1 5001
            2   5002   unsigned   # a bench vehicle without signing
            """);

        final VehicleRegistry registry = VehicleRegistry.load(SETTING, file);

        assertThat(registry.size()).isEqualTo(2);
        assertThat(registry.droneId(1)).isEqualTo(5001);
        assertThat(registry.allowsUnsigned(1)).isFalse();
        assertThat(registry.droneId(2)).isEqualTo(5002);
        assertThat(registry.allowsUnsigned(2)).isTrue();
        assertThat(registry.droneId(3)).as("not registered").isZero();
    }

    @Test
    void shouldRefuseALineItCannotTakeNamingTheFileAndLine() throws Exception
    {
        for (final String bad : new String[] {"0 5001", "256 5001", "1 0", "1 5001 signed", "1", "one 5001",
            "1 5001\n1 5002", "1 5001\n2 5001"})
        {
            final Path file = Files.writeString(dir.resolve("vehicles"), bad + "\n");
            assertThatThrownBy(() -> VehicleRegistry.load(SETTING, file)).as(bad)
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_TEST_MAVLINK_VEHICLES")
                .hasMessageContaining("line");
        }
    }

    @Test
    void shouldRefuseAHugeRegistryAndOneThatIsNoFileWithoutReadingThem() throws Exception
    {
        final Path huge = Files.writeString(dir.resolve("huge"), "# padding\n".repeat(200_000));
        assertThatThrownBy(() -> VehicleRegistry.load(SETTING, huge))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("under 1 MB");
        // A device (or a pipe) has no size to check: read, it would never end (or never start).
        assertThatThrownBy(() -> VehicleRegistry.load(SETTING, Path.of("/dev/zero")))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_TEST_MAVLINK_VEHICLES").hasMessageContaining("regular file");
    }

    @Test
    void shouldRefuseAMissingFile()
    {
        assertThatThrownBy(() -> VehicleRegistry.load(SETTING, dir.resolve("absent")))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("absent");
    }
}
