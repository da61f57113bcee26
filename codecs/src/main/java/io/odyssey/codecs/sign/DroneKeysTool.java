package io.odyssey.codecs.sign;

import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Setting;

import java.nio.file.Path;
import java.util.List;

/**
 * The operator's side of a drone key file ({@code ./odyssey drone-keys ...}): provision a range of drones, rotate one
 * drone's key with a grace period, revoke one, list who has a key. Prints keys only where one must be handed to a
 * drone (rotate), never otherwise; running ingest nodes and simulators pick the change up within 5 s.
 */
public final class DroneKeysTool
{
    private static final Setting FILE = Setting.of("ODYSSEY_DRONE_KEYS_FILE", "", "the drone key file to work on");

    private DroneKeysTool()
    {
    }

    public static void main(final String[] args)
    {
        try
        {
            System.exit(run(args));
        }
        catch (final ConfigurationException | IllegalArgumentException ex)
        {
            System.err.println("drone-keys: " + ex.getMessage());
            System.exit(2);
        }
    }

    static int run(final String[] args)
    {
        if (args.length < 2)
        {
            System.err.println("usage: drone-keys provision FILE FIRST_ID LAST_ID | rotate FILE DRONE_ID [GRACE_S] | " +
                "revoke FILE DRONE_ID | list FILE");
            return 2;
        }
        final Path file = Path.of(args[1]);
        switch (args[0])
        {
            case "provision":
                final int added = DroneKeys.provision(FILE, file, Long.parseLong(args[2]), Long.parseLong(args[3]));
                System.out.println("drone keys in " + file + ": " + added + " added");
                return 0;

            case "rotate":
                final long grace = args.length > 3 ? Long.parseLong(args[3]) : 3600;
                final String key = DroneKeys.rotate(FILE, file, Long.parseLong(args[2]), grace,
                    System.currentTimeMillis() / 1000);
                // The one place a key is shown: it has to reach the drone. Its old key stays valid for the grace.
                System.out.println(key);
                System.err.println("drone " + args[2] + ": new key above (load it into the drone); the old one is " +
                    "accepted for " + grace + " s more");
                return 0;

            case "revoke":
                final boolean removed = DroneKeys.revoke(FILE, file, Long.parseLong(args[2]));
                System.out.println(removed ? "drone " + args[2] + " revoked: its frames are refused from the next " +
                    "reload (within 5 s)" : "drone " + args[2] + " had no key");
                return removed ? 0 : 1;

            case "list":
                final List<Long> ids = DroneKeys.droneIds(FILE, file);
                ids.forEach(System.out::println);
                return 0;

            default:
                System.err.println("drone-keys: unknown operation " + args[0]);
                return 2;
        }
    }
}
