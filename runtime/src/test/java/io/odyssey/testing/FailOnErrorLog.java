package io.odyssey.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Fails a test during which any process part running in the test's JVM logged at ERROR, as the browser test already
 * fails on an ERROR line in the stack's log: an ERROR is a promise that something is wrong, and a green test over it
 * hides the fault. A test that provokes an error on purpose names the lines it expects with {@link ExpectedErrors}.
 * <p>
 * Reads the lines slf4j-simple writes to {@code System.out} (Odyssey's one logging configuration,
 * {@code simplelogger.properties}: {@code HH:mm:ss.SSS [thread] LEVEL Logger - message}) through a tee installed for
 * the test class; the output still reaches the console and the test reports.
 */
public final class FailOnErrorLog implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback
{
    /** Regular expressions of the ERROR lines a test expects; any other ERROR line fails it. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface ExpectedErrors
    {
        String[] value();
    }

    private static final Pattern ERROR_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[[^\\]]*\\] ERROR .*");
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FailOnErrorLog.class);

    /** Splits what passes through into lines and keeps those at ERROR. */
    static final class ErrorLines extends OutputStream
    {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private final List<String> errors = new ArrayList<>();

        ErrorLines(final PrintStream target)
        {
            this.target = target;
        }

        public synchronized void write(final int b)
        {
            target.write(b);
            take(b);
        }

        public synchronized void write(final byte[] bytes, final int offset, final int length)
        {
            target.write(bytes, offset, length);
            for (int i = offset; i < offset + length; i++)
            {
                take(bytes[i]);
            }
        }

        public void flush()
        {
            target.flush();
        }

        private void take(final int b)
        {
            if (b == '\n')
            {
                final String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (ERROR_LINE.matcher(text).matches())
                {
                    errors.add(text);
                }
            }
            else if (line.size() < 64 * 1024)
            {
                line.write(b);
            }
        }

        synchronized List<String> drain()
        {
            final List<String> drained = List.copyOf(errors);
            errors.clear();
            return drained;
        }
    }

    public void beforeAll(final ExtensionContext context)
    {
        final PrintStream original = System.out;
        final ErrorLines lines = new ErrorLines(original);
        context.getStore(NAMESPACE).put(PrintStream.class, original);
        context.getStore(NAMESPACE).put(ErrorLines.class, lines);
        System.setOut(new PrintStream(lines, true, StandardCharsets.UTF_8));
    }

    public void afterAll(final ExtensionContext context)
    {
        final PrintStream original = context.getStore(NAMESPACE).get(PrintStream.class, PrintStream.class);
        if (original != null)
        {
            System.out.flush();
            System.setOut(original);
        }
    }

    public void beforeEach(final ExtensionContext context)
    {
        // What the class's set-up (or an earlier test's stragglers) logged is checked at the first test's end.
    }

    public void afterEach(final ExtensionContext context)
    {
        final ErrorLines lines = context.getParent().orElseThrow().getStore(NAMESPACE).get(ErrorLines.class, ErrorLines.class);
        if (lines == null)
        {
            return;
        }
        System.out.flush();
        final List<Pattern> expected = context.getTestMethod()
            .map(method -> method.getAnnotation(ExpectedErrors.class))
            .map(annotation -> java.util.Arrays.stream(annotation.value()).map(Pattern::compile).toList())
            .orElse(List.of());
        final List<String> unexpected = lines.drain().stream()
            .filter(line -> expected.stream().noneMatch(pattern -> pattern.matcher(line).find()))
            .toList();
        if (!unexpected.isEmpty())
        {
            throw new AssertionError(unexpected.size() + " unexpected ERROR line(s) logged during " +
                context.getDisplayName() + ":\n" + String.join("\n", unexpected));
        }
    }
}
