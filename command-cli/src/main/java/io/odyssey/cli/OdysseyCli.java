package io.odyssey.cli;

import io.odyssey.runtime.ConfigurationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.time.Clock;
import java.util.Map;

/**
 * {@code odyssey-cli}: the command line of a running Odyssey (and, offline, of its drone key file). Exit codes: 0 ok,
 * 1 {@code drone-keys revoke} of a drone without a key, 2 usage (including a bad mission file or an unusable key
 * file), 3 a server could not be reached or could not answer (5xx), 4 the server refused the request (4xx: it says
 * why), 5 a command waited for with {@code --wait} ended other than {@code completed} (failed, rejected, expired,
 * cancelled, or still open at {@code --timeout}).
 * <p>
 * Requests carry the access token from {@code ODYSSEY_TOKEN} or {@code --token-file} ({@link GatewayOptions}).
 */
@Command(
    name = "odyssey-cli",
    mixinStandardHelpOptions = true,
    version = "odyssey-cli 0.1.0",
    description = {"Command line for a running Odyssey fleet (and for its drone key file: drone-keys).",
        "Requests carry the access token from the environment variable ODYSSEY_TOKEN (or --token-file FILE)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:ok",
        "1:drone-keys revoke: the drone had no key",
        "2:usage: a bad option or argument, a mission file that cannot be read, or a drone key file that cannot be used",
        "3:the gateway could not be reached, or could not answer (5xx)",
        "4:the gateway refused the request (4xx: 401 no or unknown token, 403 role too low, 404, 409, 422, ...)",
        "5:--wait: a command ended failed, rejected, expired or cancelled, or was still open at --timeout"},
    subcommands = {DronesCommand.class, Orders.Takeoff.class, Orders.Goto.class, Orders.Mission.class,
        Orders.Hold.class, Orders.Resume.class, Orders.ReturnHome.class, Orders.Land.class, Orders.Stop.class,
        Orders.SetSpeed.class, CommandsCommand.class, FleetWatchCommand.class, TokensCommand.class, WhoamiCommand.class,
        AlertsCommand.class, HistoryCommand.class, LatencyCommand.class, DroneKeyFileCommand.class,
        CommandLine.HelpCommand.class,
        picocli.AutoComplete.GenerateCompletion.class})
public final class OdysseyCli
{
    public static final int EXIT_UNREACHABLE = 3;
    /** The server refused the request (4xx) and said why. */
    public static final int EXIT_REFUSED = 4;
    /** A command waited for ({@code --wait}) did not end {@code completed}. */
    public static final int EXIT_NOT_COMPLETED = 5;

    /** Where the access token is read from ({@link GatewayOptions#TOKEN_ENV}); a map, so tests can give one. */
    final Map<String, String> environment;
    /** The time the commands read (ages, --wait deadlines). */
    final Clock clock;

    OdysseyCli(final Map<String, String> environment, final Clock clock)
    {
        this.environment = environment;
        this.clock = clock;
    }

    public static void main(final String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine()
    {
        return commandLine(System.getenv(), Clock.systemUTC());
    }

    static CommandLine commandLine(final Map<String, String> environment, final Clock clock)
    {
        return new CommandLine(new OdysseyCli(environment, clock))
            .setExecutionExceptionHandler((ex, command, parsed) ->
            {
                // One line a person can act on, not a stack trace: what failed and why. The message may quote a
                // server (a problem's detail, a close reason, a parse error): no control character of it gets through.
                command.getErr().println("odyssey-cli: " + Terminal.lines(String.valueOf(ex.getMessage())));
                if (ex instanceof IllegalArgumentException || ex instanceof CommandLine.ParameterException)
                {
                    command.getErr().println("see: odyssey-cli " + command.getCommandSpec().qualifiedName(" ")
                        .replaceFirst("^odyssey-cli ?", "") + " --help");
                    return CommandLine.ExitCode.USAGE;
                }
                if (ex instanceof ConfigurationException)
                {
                    // A drone key file that cannot be used (missing, others can read it, unparseable): its message
                    // names the file and what is wrong with it.
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
