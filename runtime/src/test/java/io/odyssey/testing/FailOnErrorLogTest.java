package io.odyssey.testing;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FailOnErrorLogTest
{
    @Test
    void shouldKeepOnlyErrorLinesAndPassEverythingThrough()
    {
        final ByteArrayOutputStream console = new ByteArrayOutputStream();
        final FailOnErrorLog.ErrorLines lines = new FailOnErrorLog.ErrorLines(new PrintStream(console, true,
            StandardCharsets.UTF_8));
        final PrintStream out = new PrintStream(lines, true, StandardCharsets.UTF_8);
        out.println("12:00:00.001 [main] INFO Gateway - gateway listening");
        out.println("12:00:00.002 [ws-fan-out] ERROR FleetFeed - fan-out failed");
        out.println("12:00:00.003 [main] WARN Gateway - an ERROR in a message is not an error line");
        out.print("12:00:00.004 [hz.client-1] ERROR Relay - half a li");
        out.println("ne, then the rest");

        assertThat(lines.drain()).containsExactly("12:00:00.002 [ws-fan-out] ERROR FleetFeed - fan-out failed",
            "12:00:00.004 [hz.client-1] ERROR Relay - half a line, then the rest");
        assertThat(lines.drain()).isEmpty();
        assertThat(console.toString(StandardCharsets.UTF_8)).contains("gateway listening", "WARN Gateway");
    }
}
