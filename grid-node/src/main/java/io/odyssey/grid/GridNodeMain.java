package io.odyssey.grid;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the grid node process: one Hazelcast member holding a share of the fleet map. */
public final class GridNodeMain
{
    private GridNodeMain()
    {
    }

    public static void main(final String[] args)
    {
        ProcessLauncher.run("grid-node", args, GridNodeConfig.ALL, () -> GridNode.launch(new GridNodeConfig()));
    }
}
