package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.cli.OdysseyCli;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One run of {@code odyssey-cli} in this JVM, as its {@code main} runs it (the same picocli command line), against a
 * real gateway with a token file: its exit code and what it printed.
 */
record CliRun(int exit, String out, String err)
{
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param gatewayPort the gateway on loopback.
     * @param tokenFile   the bearer token the CLI reads ({@code --token-file}).
     * @param err         where the CLI's errors go, for a test that watches them while it runs.
     */
    static CliRun run(final int gatewayPort, final Path tokenFile, final ByteArrayOutputStream err, final String... args)
    {
        final List<String> all = new ArrayList<>(Arrays.asList(args));
        all.addAll(List.of("--server", "http://127.0.0.1:" + gatewayPort, "--token-file", tokenFile.toString()));
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exit = OdysseyCli.commandLine()
            .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
            .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
            .execute(all.toArray(new String[0]));
        return new CliRun(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static CliRun run(final int gatewayPort, final Path tokenFile, final String... args)
    {
        return run(gatewayPort, tokenFile, new ByteArrayOutputStream(), args);
    }

    /** The last line of a {@code --json} run's output, read as JSON. */
    JsonNode lastJsonLine() throws Exception
    {
        final String[] lines = out.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }
}
