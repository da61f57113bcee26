package io.odyssey.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretFileTest
{
    private static final Setting KEY = Setting.of("ODYSSEY_TEST_KEY_FILE", "", "a key file for the test");

    @TempDir
    Path dir;

    @Test
    void shouldCreateASecretOnceReadableByItsOwnerOnlyAndReadTheSameAfterwards() throws Exception
    {
        final Path file = dir.resolve("keys/gateway.key");
        final byte[] first = SecretFile.readOrCreate(KEY, file, 32);

        assertThat(first).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(SecretFile.readOrCreate(KEY, file, 32)).isEqualTo(first);
        assertThatThrownBy(() -> SecretFile.write(file, new byte[32])).hasMessageContaining("never overwritten");
    }

    @Test
    void shouldRefuseAFileOthersCanReadNamingTheSettingButNotTheSecret() throws Exception
    {
        final Path file = dir.resolve("open.key");
        Files.writeString(file, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> SecretFile.read(KEY, file, 32))
            .isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_TEST_KEY_FILE").hasMessageContaining("chmod 600")
            .hasMessageNotContaining("00112233");
    }

    @Test
    void shouldRefusePlaceholdersShortSecretsAndTextThatIsNotHex() throws Exception
    {
        assertThatThrownBy(() -> SecretFile.read(KEY, secret("change-me-please-0000000000000000"), 16))
            .hasMessageContaining("change-me placeholder");
        assertThatThrownBy(() -> SecretFile.read(KEY, secret("00112233"), 32)).hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> SecretFile.read(KEY, secret("not a hex secret at all, not at all"), 16))
            .hasMessageContaining("hex digits");
        assertThatThrownBy(() -> SecretFile.read(KEY, dir.resolve("missing.key"), 16)).hasMessageContaining("existing file");
    }

    private Path secret(final String text) throws Exception
    {
        final Path file = Files.createTempFile(dir, "secret", ".key");
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
