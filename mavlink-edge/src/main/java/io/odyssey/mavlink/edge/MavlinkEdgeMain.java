package io.odyssey.mavlink.edge;

import io.odyssey.runtime.ProcessLauncher;

/**
 * Entry point of the MAVLink edge process: real vehicles' MAVLink 2 into the fleet, through the ingest nodes. With
 * {@code --setup-signing} first, the operator's one-off step instead: give a vehicle its signing key ({@link SigningSetup}).
 */
public final class MavlinkEdgeMain
{
    private MavlinkEdgeMain()
    {
    }

    public static void main(final String[] args)
    {
        if (args.length > 0 && SigningSetup.FLAG.equals(args[0]))
        {
            System.exit(SigningSetup.run(java.util.Arrays.copyOfRange(args, 1, args.length), new MavlinkEdgeConfig(),
                System.out, System.err));
        }
        ProcessLauncher.run("mavlink-edge", args, MavlinkEdgeConfig.ALL, () -> MavlinkEdge.launch(new MavlinkEdgeConfig()));
    }
}
