package io.odyssey.grid;

import java.util.Collection;

/** Whether a grid failure names one of our classes: how a member of another version says it cannot run one. */
public final class ClassNames
{
    private static final int MAX_CAUSES = 16;

    private ClassNames()
    {
    }

    /**
     * True when {@code ex} names exactly one of {@code names} in a cause's message (in dots or slashes; not a class
     * whose name merely starts or ends with one: a grid client picks its own classes' names, and
     * {@code x.io.odyssey...} must not pass for ours), depth-bounded. Hazelcast carries a member's failure to a client
     * as a {@code HazelcastSerializationException} whose cause chain is rebuilt from the member's, or only as text.
     */
    public static boolean namedIn(final Throwable ex, final Collection<String> names)
    {
        int depth = 0;
        for (Throwable cause = ex; cause != null && depth < MAX_CAUSES; cause = cause.getCause(), depth++)
        {
            final String message = cause.getMessage();
            if (message == null)
            {
                continue;
            }
            final String dotted = message.replace('/', '.');
            for (final String name : names)
            {
                for (int at = dotted.indexOf(name); at >= 0; at = dotted.indexOf(name, at + 1))
                {
                    final int end = at + name.length();
                    if ((at == 0 || !isNamePart(dotted.charAt(at - 1))) &&
                        (end == dotted.length() || !isNamePart(dotted.charAt(end))))
                    {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isNamePart(final char c)
    {
        return c == '.' || Character.isJavaIdentifierPart(c);
    }
}
