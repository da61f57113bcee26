package io.odyssey.grid.trust;

import io.odyssey.runtime.SecretFile;
import io.odyssey.runtime.Setting;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals drone key records for the grid (open-source Hazelcast lets any client read and write any map, so a key must
 * never be there in clear, and a record a client made must not be taken for one a gateway made). AES-256-GCM with a
 * fresh random 96-bit nonce per record and the drone id and key id as associated data: a record copied to another
 * drone, or relabelled with another key id, does not open. The AES key is derived from the command key (which gateways
 * and ingest nodes hold and the grid does not) as HMAC-SHA256(command key, "odyssey.drone-keys.v1"): no further
 * secret to distribute, and a key only for this purpose (docs/architecture.md, "Trust").
 * <p>
 * Sealed form: {@code v1:<key id>:<nonce hex>:<ciphertext and tag hex>}. Cold path: a {@link Cipher} per call.
 */
public final class DroneKeyVault
{
    static final String PURPOSE = "odyssey.drone-keys.v1";
    private static final String VERSION = "v1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** A sealed record is ~250 characters; anything much longer is not one (and is not worth decrypting). */
    static final int MAX_SEALED_LENGTH = 1_024;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public DroneKeyVault(final byte[] commandKey)
    {
        if (commandKey == null || commandKey.length < RecordSeal.MIN_KEY_BYTES)
        {
            throw new IllegalArgumentException("the command key needs at least " + RecordSeal.MIN_KEY_BYTES + " bytes");
        }
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(commandKey, "HmacSHA256"));
            final byte[] derived = mac.doFinal(PURPOSE.getBytes(StandardCharsets.US_ASCII));
            this.key = new SecretKeySpec(derived, "AES");
            Arrays.fill(derived, (byte)0);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", ex);
        }
    }

    /** The vault of the command key file {@code path} names ({@code setting} for errors), null when it is empty. */
    public static DroneKeyVault fromFile(final Setting setting, final String path)
    {
        if (path == null || path.isBlank())
        {
            return null;
        }
        return new DroneKeyVault(SecretFile.read(setting, Path.of(path), RecordSeal.MIN_KEY_BYTES));
    }

    public String seal(final DroneKeyRecord record)
    {
        final byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        final String plain = text(record.currentHex()) + " " + text(record.previousHex()) + " " +
            record.previousUntilEpochS() + " " + record.createdEpochS();
        try
        {
            final Cipher cipher = cipher(Cipher.ENCRYPT_MODE, nonce, record.droneId(), record.keyId());
            final byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.US_ASCII));
            return VERSION + ":" + record.keyId() + ":" + HexFormat.of().formatHex(nonce) + ":" +
                HexFormat.of().formatHex(sealed);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("AES-GCM is part of every JDK", ex);
        }
    }

    /**
     * @return the record {@code sealed} holds for {@code droneId}, or null when it is not one this vault sealed for that
     * drone (written or altered by someone without the key, moved from another drone, malformed, too long).
     */
    public DroneKeyRecord open(final long droneId, final String sealed)
    {
        if (sealed == null || sealed.length() > MAX_SEALED_LENGTH)
        {
            return null;
        }
        final String[] parts = sealed.split(":", -1);
        if (parts.length != 4 || !VERSION.equals(parts[0]))
        {
            return null;
        }
        try
        {
            final long keyId = Long.parseLong(parts[1]);
            final byte[] nonce = HexFormat.of().parseHex(parts[2]);
            if (keyId <= 0 || nonce.length != NONCE_BYTES)
            {
                return null;
            }
            final byte[] plain = cipher(Cipher.DECRYPT_MODE, nonce, droneId, keyId)
                .doFinal(HexFormat.of().parseHex(parts[3]));
            final String[] fields = new String(plain, StandardCharsets.US_ASCII).split(" ");
            Arrays.fill(plain, (byte)0);
            if (fields.length != 4)
            {
                return null;
            }
            return new DroneKeyRecord(droneId, keyId, Long.parseLong(fields[3]), hex(fields[0]), hex(fields[1]),
                Long.parseLong(fields[2]));
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            // AEADBadTagException (forged, altered or moved), bad hex or numbers: not a record of ours.
            return null;
        }
    }

    private Cipher cipher(final int mode, final byte[] nonce, final long droneId, final long keyId)
        throws GeneralSecurityException
    {
        final Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
        cipher.updateAAD(ByteBuffer.allocate(2 * Long.BYTES + PURPOSE.length()).putLong(droneId).putLong(keyId)
            .put(PURPOSE.getBytes(StandardCharsets.US_ASCII)).array());
        return cipher;
    }

    private static String text(final String hex)
    {
        return hex == null ? "-" : hex;
    }

    private static String hex(final String field)
    {
        if ("-".equals(field))
        {
            return null;
        }
        if (field.length() != 64)
        {
            throw new IllegalArgumentException("not a key");
        }
        HexFormat.of().parseHex(field);
        return field;
    }
}
