package io.odyssey.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What the process logged while an action ran (slf4j-simple writes to {@code System.out}), for tests that assert a
 * lifecycle line was, or was not, written. The output still reaches the stream that was in place, so
 * {@link FailOnErrorLog} and the console see it as before.
 */
public final class LoggedOutput
{
    /** An action that may throw, as a test's would. */
    @FunctionalInterface
    public interface Action
    {
        void run() throws Exception;
    }

    private LoggedOutput()
    {
    }

    /** Runs {@code action} and returns what was logged meanwhile, by any thread. */
    public static String during(final Action action) throws Exception
    {
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(new OutputStream()
        {
            public void write(final int b)
            {
                original.write(b);
                synchronized (captured)
                {
                    captured.write(b);
                }
            }

            public void write(final byte[] bytes, final int offset, final int length)
            {
                original.write(bytes, offset, length);
                synchronized (captured)
                {
                    captured.write(bytes, offset, length);
                }
            }
        }, true, StandardCharsets.UTF_8));
        try
        {
            action.run();
        }
        finally
        {
            System.setOut(original);
        }
        synchronized (captured)
        {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }
}
