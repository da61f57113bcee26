package io.odyssey.archiver;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the archiver process: an ingest node's telemetry journal into PostgreSQL, exactly once. */
public final class ArchiverMain
{
    private ArchiverMain()
    {
    }

    public static void main(final String[] args)
    {
        ProcessLauncher.run("archiver", args, ArchiverConfig.ALL, () -> Archiver.launch(new ArchiverConfig()));
    }
}
