package io.odyssey.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OdysseyCliTest
{
    @Test
    void shouldAnswerHelpOnEveryCommand()
    {
        final List<List<String>> commands = new ArrayList<>();
        collect(OdysseyCli.commandLine(), new ArrayList<>(), commands);
        assertThat(commands).hasSizeGreaterThan(30);
        for (final List<String> command : commands)
        {
            final List<String> args = new ArrayList<>(command);
            args.add("--help");
            final Cli.Result result = Cli.run(args.toArray(String[]::new));
            assertThat(result.exit()).as(String.join(" ", args)).isZero();
            assertThat(result.out()).as(String.join(" ", args)).startsWith("Usage: odyssey-cli");
        }
    }

    @Test
    void shouldDocumentExitCodeFiveWhereItCanHappen()
    {
        assertThat(Cli.run("--help").out()).contains("Exit codes:", "5   --wait");
        assertThat(Cli.run("takeoff", "--help").out()).contains("Exit codes:", "5   --wait");
    }

    @Test
    void shouldCompleteTheNewSubcommands()
    {
        final Cli.Result result = Cli.run("generate-completion");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains("takeoff", "goto", "mission", "hold", "resume", "rth", "return-to-home", "land",
            "stop", "set-speed", "commands", "drones", "watch", "tokens", "--token-file", "--wait", "--bbox");
    }

    @Test
    void shouldNeverTakeATokenOnTheCommandLine()
    {
        final Cli.Result result = Cli.run(Map.of(), "drones", "list", "--token", "s3cr3t-t0k3n", "--server", "http://127.0.0.1:1");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("there is no --token option", "ODYSSEY_TOKEN", "--token-file")
            .doesNotContain("s3cr3t");
    }

    private static void collect(final CommandLine command, final List<String> path, final List<List<String>> into)
    {
        for (final Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet())
        {
            if (!sub.getKey().equals(sub.getValue().getCommandName()) || "help".equals(sub.getKey()))
            {
                continue;
            }
            final List<String> next = new ArrayList<>(path);
            next.add(sub.getKey());
            into.add(next);
            collect(sub.getValue(), next, into);
        }
    }
}
