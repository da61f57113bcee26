package io.odyssey.cli;

import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.runtime.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code odyssey-cli drone-keys} on a real key file, as an operator (or {@code ./odyssey up}) runs it. */
class DroneKeyFileCommandTest
{
    private static final Setting READER = Setting.of("ODYSSEY_INGEST_DRONE_KEYS", "", "what ingest reads");

    @TempDir
    Path dir;

    @Test
    void shouldProvisionRotateRevokeAndListTheDronesOfAKeyFileThatIngestCanRead() throws Exception
    {
        final Path file = dir.resolve("data/drone-keys");

        final Cli.Result provision = Cli.run("drone-keys", "provision", file.toString(), "1", "5");
        final Cli.Result again = Cli.run("drone-keys", "provision", file.toString(), "4", "6");
        final Cli.Result rotate = Cli.run("drone-keys", "rotate", file.toString(), "3", "60");
        final Cli.Result revoke = Cli.run("drone-keys", "revoke", file.toString(), "2");
        final Cli.Result revokeAgain = Cli.run("drone-keys", "revoke", file.toString(), "2");
        final Cli.Result list = Cli.run("drone-keys", "list", file.toString());

        assertThat(provision.exit()).isZero();
        assertThat(provision.out()).isEqualTo("drone keys in " + file + ": 5 added\n");
        assertThat(again.out()).as("only the drones without a key").isEqualTo("drone keys in " + file + ": 1 added\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        assertThat(rotate.exit()).isZero();
        final String key = rotate.out().strip();
        assertThat(key).matches("[0-9a-f]{64}");
        assertThat(rotate.err()).contains("drone 3", "60 s").doesNotContain(key);
        final DroneKeys keys = DroneKeys.load(READER, file);
        assertThat(keys.entry(3).previous()).as("the old key, for the grace").isNotNull();
        assertThat(keys.entry(3).previousUntilNanos()).as("the CLI's clock + 60 s")
            .isEqualTo((Cli.CLOCK.instant().getEpochSecond() + 60) * 1_000_000_000L);

        assertThat(revoke.exit()).isZero();
        assertThat(revoke.out()).startsWith("drone 2 revoked");
        assertThat(revokeAgain.exit()).isEqualTo(1);
        assertThat(revokeAgain.out()).isEqualTo("drone 2 had no key\n");

        assertThat(list.exit()).isZero();
        assertThat(list.out().lines()).containsExactly("1", "3", "4", "5", "6");
        assertThat(list.out() + provision.out() + revoke.out()).as("no key shown but the rotated one")
            .doesNotContainPattern("[0-9a-f]{64}");
    }

    @Test
    void shouldRefuseAKeyFileOthersCanReadAndIdsNoKeyFileHoldsSayingWhy() throws Exception
    {
        final Path file = dir.resolve("drone-keys");
        Cli.run("drone-keys", "provision", file.toString(), "1", "2");
        final String before = Files.readString(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        final Cli.Result open = Cli.run("drone-keys", "list", file.toString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        final Cli.Result backwards = Cli.run("drone-keys", "provision", file.toString(), "9", "3");
        final Cli.Result negative = Cli.run("drone-keys", "rotate", file.toString(), "-4");
        final Cli.Result missing = Cli.run("drone-keys", "list", dir.resolve("none").toString());

        assertThat(open.exit()).isEqualTo(2);
        assertThat(open.err()).contains("FILE must be", "chmod 600").doesNotContain("ODYSSEY_")
            .doesNotContain(before.substring(2, 66));
        assertThat(backwards.exit()).isEqualTo(2);
        assertThat(backwards.err()).contains("LAST (3) is below FIRST (9)");
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("a drone id is 1 or more, not -4");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("none");
        assertThat(Files.readString(file)).as("nothing refused changed the file").isEqualTo(before);
    }
}
