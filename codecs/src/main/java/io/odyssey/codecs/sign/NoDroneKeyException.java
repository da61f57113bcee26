package io.odyssey.codecs.sign;

/**
 * A frame could not be signed because its drone has no key (never given one, or revoked since the sender last
 * looked). Senders catch this type, not {@link IllegalStateException}, so that an unrelated fault is not taken for a
 * missing key and silently dropped as one.
 * <p>
 * Without a stack trace: a sender whose drone lost its key meets this at the drone's telemetry rate, and the cause is
 * the key ring, not the call path.
 */
public final class NoDroneKeyException extends RuntimeException
{
    private final long droneId;

    public NoDroneKeyException(final long droneId)
    {
        super("no key to sign for drone " + droneId, null, false, false);
        this.droneId = droneId;
    }

    public long droneId()
    {
        return droneId;
    }
}
