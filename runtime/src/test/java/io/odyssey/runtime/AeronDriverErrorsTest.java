package io.odyssey.runtime;

import io.aeron.exceptions.AeronEvent;
import io.aeron.exceptions.AeronException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class AeronDriverErrorsTest
{
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private PrintStream original;
    private long now = 1_000;

    @BeforeEach
    void captureLog()
    {
        original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreLog()
    {
        System.setOut(original);
    }

    @Test
    void shouldLogAFloodOfSessionLimitErrorsOnceAMinuteAndCountEveryOne()
    {
        final Metrics metrics = new Metrics("test");
        final AeronDriverErrors errors = new AeronDriverErrors(metrics, "odyssey_test_aeron_driver_errors_total", "help",
            () -> now);

        for (int port = 1; port <= 1_000; port++)
        {
            errors.onError(sessionLimit(port));
        }
        assertThat(errors.count(AeronDriverErrors.Kind.SESSION_LIMIT)).isEqualTo(1_000);
        assertThat(lines("exceeded session limit")).as("lines for 1,000 SETUPs past the limit").isEqualTo(1);
        assertThat(metrics.renderPrometheus())
            .contains("odyssey_test_aeron_driver_errors_total{role=\"test\",kind=\"session_limit\"} 1000");

        now += TimeUnit.MINUTES.toNanos(1);
        errors.onError(sessionLimit(1_001));
        assertThat(lines("exceeded session limit")).isEqualTo(2);
        assertThat(lines("999 more like it")).as("the line a minute later says how many it left out").isEqualTo(1);
    }

    @Test
    void shouldStillLogAGenuineDriverErrorDuringAFlood()
    {
        final AeronDriverErrors errors = new AeronDriverErrors(null, null, null, () -> now);
        for (int port = 1; port <= 100; port++)
        {
            errors.onError(sessionLimit(port));
        }

        errors.onError(new AeronException("unexpected close of heartbeat timestamp"));

        assertThat(errors.count(AeronDriverErrors.Kind.OTHER)).isEqualTo(1);
        assertThat(lines("unexpected close of heartbeat timestamp")).isEqualTo(1);
    }

    /**
     * One kind of error coming again and again (an attacker's, say) must not take the line of a different one: before,
     * every error but the session limit's shared one line a minute, so a second, different error was only counted.
     */
    @Test
    void shouldLogADifferentErrorWhileAnotherKeepsComing()
    {
        final AeronDriverErrors errors = new AeronDriverErrors(null, null, null, () -> now);
        final AeronException repeated = new AeronException("invalid MTU length: 65504");
        final AeronException genuine = new AeronException("no space left on device: /dev/shm/aeron");
        assertThat(AeronDriverErrors.slotOf(repeated)).as("the test's two errors take different slots")
            .isNotEqualTo(AeronDriverErrors.slotOf(genuine));

        for (int i = 0; i < 100; i++)
        {
            errors.onError(repeated);
        }
        errors.onError(genuine);

        assertThat(errors.count(AeronDriverErrors.Kind.OTHER)).isEqualTo(101);
        assertThat(lines("invalid MTU length")).isEqualTo(1);
        assertThat(lines("no space left on device")).isEqualTo(1);
    }

    /** As Aeron 1.51's DataPacketDispatcher raises it for a SETUP past the stream session limit. */
    private static AeronEvent sessionLimit(final int port)
    {
        return new AeronEvent("exceeded session limit, streamId=1001 sourceAddress=/192.0.2.7:" + port);
    }

    private int lines(final String text)
    {
        System.out.flush();
        return (int)out.toString(StandardCharsets.UTF_8).lines().filter(line -> line.contains(text)).count();
    }
}
