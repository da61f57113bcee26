package io.odyssey.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code odyssey-cli}: the command line of a running Odyssey. Exit codes: 0 ok, 2 usage, 3 a server could not be
 * reached or answered with an error.
 */
@Command(
    name = "odyssey-cli",
    mixinStandardHelpOptions = true,
    version = "odyssey-cli 0.1.0",
    description = "Command line for a running Odyssey fleet.",
    subcommands = {LatencyCommand.class, CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class})
public final class OdysseyCli
{
    public static final int EXIT_UNREACHABLE = 3;

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine()
    {
        return new CommandLine(new OdysseyCli()).setExitCodeExceptionMapper(ex ->
            ex instanceof CommandLine.ParameterException ? CommandLine.ExitCode.USAGE : EXIT_UNREACHABLE);
    }
}
