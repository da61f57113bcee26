package io.odyssey.journal;

/**
 * A journal queue that opened but cannot be appended to: Chronicle Queue opens a queue read-only, without failing,
 * when its directory cannot be written or when the JVM lacks {@code --add-exports=java.base/sun.nio.ch=ALL-UNNAMED},
 * and then fails every append.
 */
public final class JournalNotWritableException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    JournalNotWritableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
