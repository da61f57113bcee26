package io.odyssey.cli;

import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.runtime.Setting;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli drone-keys}: the operator's side of a drone key file (docs/operations.md, "Drone keys"), on the
 * file itself, with no gateway: provision a range of drones, rotate one drone's key with a grace period, revoke one,
 * list who has a key. The file's format and its safe rewriting are {@link DroneKeys}' (codecs, which every reader of
 * the file shares). A key is printed only where one must be handed to a drone (rotate), never otherwise; running
 * ingest nodes and simulators pick a change up within 5 s. {@code odyssey-cli drones keys} is the other way, through
 * the gateway's API, for keys kept in the grid.
 */
@Command(name = "drone-keys", mixinStandardHelpOptions = true,
    description = {"The drones' link key FILE, on the file itself (no gateway): provision, rotate, revoke, list.",
        "Ingest nodes and simulators reading FILE pick a change up within 5 s."},
    subcommands = {DroneKeyFileCommand.Provision.class, DroneKeyFileCommand.Rotate.class,
        DroneKeyFileCommand.Revoke.class, DroneKeyFileCommand.ListIds.class})
final class DroneKeyFileCommand
{
    /** Named in the file's refusals (e.g. a file others can read) as the usage names it. */
    private static final Setting FILE = Setting.argument("FILE", "the drone key file to work on");

    @Command(name = "provision", mixinStandardHelpOptions = true,
        description = "Give every drone of FIRST..LAST without a key a new random one (creates FILE, owner-only).")
    static final class Provision extends OnFile
    {
        @Parameters(index = "1", paramLabel = "FIRST", description = "The first drone id.")
        long firstId;

        @Parameters(index = "2", paramLabel = "LAST", description = "The last drone id.")
        long lastId;

        public Integer call()
        {
            positive(firstId);
            if (lastId < firstId)
            {
                throw new IllegalArgumentException("LAST (" + lastId + ") is below FIRST (" + firstId + ")");
            }
            final int added = DroneKeys.provision(FILE, file, firstId, lastId);
            out().println("drone keys in " + file + ": " + added + " added");
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
        description = {"Give drone ID a new key and print it (the one place a key is shown: it has to reach the drone);",
            "its old key is still accepted for GRACE_S seconds."})
    static final class Rotate extends OnFile
    {
        @Parameters(index = "1", paramLabel = "ID", description = "The drone.")
        long droneId;

        @Parameters(index = "2", paramLabel = "GRACE_S", arity = "0..1", defaultValue = "3600",
            description = "Seconds the old key is still accepted (default: ${DEFAULT-VALUE}).")
        long graceS;

        public Integer call()
        {
            final long now = spec.root().userObject() instanceof OdysseyCli cli ?
                cli.clock.instant().getEpochSecond() : System.currentTimeMillis() / 1000;
            positive(droneId);
            if (graceS < 0)
            {
                throw new IllegalArgumentException("GRACE_S is a number of seconds, 0 or more, not " + graceS);
            }
            final String key = DroneKeys.rotate(FILE, file, droneId, graceS, now);
            out().println(key);
            err().println("drone " + droneId + ": new key above (load it into the drone); the " +
                "old one is accepted for " + graceS + " s more");
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Remove drone ID's key: its frames are refused (UNKNOWN_KEY) from the next reload, within 5 s. " +
            "Exit 1 when it had none.")
    static final class Revoke extends OnFile
    {
        @Parameters(index = "1", paramLabel = "ID", description = "The drone.")
        long droneId;

        public Integer call()
        {
            final boolean removed = DroneKeys.revoke(FILE, file, droneId);
            out().println(removed ? "drone " + droneId + " revoked: its frames are refused " +
                "from the next reload (within 5 s)" : "drone " + droneId + " had no key");
            return removed ? 0 : 1;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "The drones that have a key in FILE, one id a line (never a key).")
    static final class ListIds extends OnFile
    {
        public Integer call()
        {
            DroneKeys.droneIds(FILE, file).forEach(out()::println);
            return 0;
        }
    }

    /** What every operation has: the key file it works on (the first parameter) and where it prints. */
    abstract static class OnFile implements Callable<Integer>
    {
        @CommandLine.Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The drone key file.")
        Path file;

        PrintWriter out()
        {
            return spec.commandLine().getOut();
        }

        PrintWriter err()
        {
            return spec.commandLine().getErr();
        }
    }

    /** A key file holds drone ids from 1 (a line for another would make the file unreadable to every process). */
    private static void positive(final long droneId)
    {
        if (droneId <= 0)
        {
            throw new IllegalArgumentException("a drone id is 1 or more, not " + droneId);
        }
    }
}
