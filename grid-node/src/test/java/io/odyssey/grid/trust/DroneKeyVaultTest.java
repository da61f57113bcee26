package io.odyssey.grid.trust;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class DroneKeyVaultTest
{
    private static final String KEY_A = "a1".repeat(32);
    private static final String KEY_B = "b2".repeat(32);
    private final DroneKeyVault vault = new DroneKeyVault(key(7));

    private static byte[] key(final int fill)
    {
        final byte[] key = new byte[32];
        Arrays.fill(key, (byte)fill);
        return key;
    }

    @Test
    void shouldOpenWhatItSealedWithoutTheKeysInClear()
    {
        final DroneKeyRecord record = new DroneKeyRecord(42, 3, 1_700_000_000L, KEY_B, KEY_A, 1_700_000_300L);

        final String sealed = vault.seal(record);

        assertThat(sealed).doesNotContain(KEY_A).doesNotContain(KEY_B).startsWith("v1:3:");
        assertThat(vault.open(42, sealed)).isEqualTo(record);
        assertThat(record.toString()).doesNotContain(KEY_A).doesNotContain(KEY_B);
    }

    @Test
    void shouldSealTheSameRecordDifferentlyEachTime()
    {
        final DroneKeyRecord record = new DroneKeyRecord(42, 1, 1_700_000_000L, KEY_A, null, 0);

        assertThat(vault.seal(record)).isNotEqualTo(vault.seal(record));
    }

    @Test
    void shouldNotOpenARecordMovedToAnotherDroneOrRelabelled()
    {
        final String sealed = vault.seal(new DroneKeyRecord(42, 2, 1_700_000_000L, KEY_A, null, 0));

        assertThat(vault.open(43, sealed)).isNull();
        assertThat(vault.open(42, sealed.replaceFirst("^v1:2:", "v1:9:"))).isNull();
    }

    @Test
    void shouldNotOpenARecordAlteredForgedOrSealedUnderAnotherKey()
    {
        final String sealed = vault.seal(new DroneKeyRecord(42, 1, 1_700_000_000L, KEY_A, null, 0));
        final char last = sealed.charAt(sealed.length() - 1);

        assertThat(vault.open(42, sealed.substring(0, sealed.length() - 1) + (last == '0' ? '1' : '0'))).isNull();
        assertThat(new DroneKeyVault(key(8)).open(42, sealed)).isNull();
        assertThat(vault.open(42, "v1:1:" + "00".repeat(12) + ":" + KEY_A)).isNull();
        assertThat(vault.open(42, KEY_A)).isNull();
        assertThat(vault.open(42, "v1:1:zz:zz")).isNull();
        assertThat(vault.open(42, "v1:" + "9".repeat(5000))).isNull();
        assertThat(vault.open(42, null)).isNull();
    }

    @Test
    void shouldKeepARevocationAsARecordWithoutKeys()
    {
        final DroneKeyRecord revoked = new DroneKeyRecord(42, 4, 1_700_000_000L, null, null, 0);

        assertThat(vault.open(42, vault.seal(revoked))).isEqualTo(revoked);
        assertThat(revoked.revoked()).isTrue();
    }
}
