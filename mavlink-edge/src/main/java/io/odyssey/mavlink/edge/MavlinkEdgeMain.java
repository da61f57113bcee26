package io.odyssey.mavlink.edge;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the MAVLink edge process: real vehicles' MAVLink 2 into the fleet, through the ingest nodes. */
public final class MavlinkEdgeMain
{
    private MavlinkEdgeMain()
    {
    }

    public static void main(final String[] args)
    {
        ProcessLauncher.run("mavlink-edge", args, MavlinkEdgeConfig.ALL, () -> MavlinkEdge.launch(new MavlinkEdgeConfig()));
    }
}
