package io.odyssey.grid.trust;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An HMAC-SHA256 over a record's fields with a key the grid does not hold: what makes a record a grid client wrote
 * (open-source Hazelcast lets any client write any map) tell itself apart from one a gateway or an ingest node made.
 * Each use has its own purpose label, so a seal made for one kind of record never verifies as another. Fields are
 * length-prefixed, so no two different field lists share an input ("a|bc" vs "ab|c"). Cold path: a {@link Mac} per
 * call (they are not thread-safe, and a seal is made or checked once per token lookup or command, not per frame).
 */
public final class RecordSeal
{
    /** Keys shorter than this are refused: HMAC-SHA256's strength needs a full-size key. */
    public static final int MIN_KEY_BYTES = 32;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final byte[] purpose;

    public RecordSeal(final byte[] key, final String purpose)
    {
        if (key == null || key.length < MIN_KEY_BYTES)
        {
            throw new IllegalArgumentException("a seal key needs at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(key, ALGORITHM);
        this.purpose = purpose.getBytes(StandardCharsets.UTF_8);
    }

    /** The seal of these fields (null fields are distinct from empty ones), as 64 hex digits. */
    public String seal(final Object... fields)
    {
        return HexFormat.of().formatHex(mac(fields));
    }

    /** True when {@code seal} is the seal of these fields; compared in constant time. */
    public boolean verifies(final String seal, final Object... fields)
    {
        if (seal == null || seal.length() != 64)
        {
            return false;
        }
        final byte[] presented;
        try
        {
            presented = HexFormat.of().parseHex(seal);
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
        return MessageDigest.isEqual(presented, mac(fields));
    }

    private byte[] mac(final Object... fields)
    {
        try
        {
            final Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            update(mac, purpose);
            for (final Object field : fields)
            {
                if (field == null)
                {
                    mac.update(ByteBuffer.allocate(4).putInt(-1).array());
                }
                else
                {
                    update(mac, String.valueOf(field).getBytes(StandardCharsets.UTF_8));
                }
            }
            return mac.doFinal();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", ex);
        }
    }

    private static void update(final Mac mac, final byte[] bytes)
    {
        mac.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        mac.update(bytes);
    }
}
