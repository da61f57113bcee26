package io.odyssey.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code odyssey-cli}: the command line of a running Odyssey. Exit codes: 0 ok, 2 usage, 3 a server could not be
 * reached or could not answer, 4 the server refused the request (it says why).
 */
@Command(
    name = "odyssey-cli",
    mixinStandardHelpOptions = true,
    version = "odyssey-cli 0.1.0",
    description = "Command line for a running Odyssey fleet.",
    subcommands = {LatencyCommand.class, HistoryCommand.class, AlertsCommand.class, CommandLine.HelpCommand.class,
        picocli.AutoComplete.GenerateCompletion.class})
public final class OdysseyCli
{
    public static final int EXIT_UNREACHABLE = 3;
    /** The server refused the request (4xx) and said why. */
    public static final int EXIT_REFUSED = 4;

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine()
    {
        return new CommandLine(new OdysseyCli())
            .setExecutionExceptionHandler((ex, command, parsed) ->
            {
                // One line a person can act on, not a stack trace: what failed and why.
                command.getErr().println("odyssey-cli: " + ex.getMessage());
                if (ex instanceof IllegalArgumentException)
                {
                    command.getErr().println("see: odyssey-cli " + command.getCommandSpec().qualifiedName(" ")
                        .replaceFirst("^odyssey-cli ?", "") + " --help");
                    return CommandLine.ExitCode.USAGE;
                }
                return ex instanceof Refused ? EXIT_REFUSED : EXIT_UNREACHABLE;
            })
            .setExitCodeExceptionMapper(ex ->
                ex instanceof CommandLine.ParameterException ? CommandLine.ExitCode.USAGE : EXIT_UNREACHABLE);
    }

    /** The server could not be reached or could not answer: exit 3. */
    static final class Unreachable extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Unreachable(final String message)
        {
            super(message);
        }
    }

    /** The server refused the request (4xx): exit 4. */
    static final class Refused extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Refused(final String message)
        {
            super(message);
        }
    }
}
