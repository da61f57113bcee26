package io.odyssey.ingest;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the edge ingest process: Aeron UDP telemetry in, validated latest drone states into the grid. */
public final class EdgeIngestMain
{
    private EdgeIngestMain()
    {
    }

    public static void main(final String[] args)
    {
        ProcessLauncher.run("edge-ingest", args, EdgeIngestConfig.ALL, () -> EdgeIngest.launch(new EdgeIngestConfig()));
    }
}
