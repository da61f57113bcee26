package io.odyssey.archiver;

import io.odyssey.runtime.ProcessLauncher;

/** Entry point of the archiver process: an ingest node's telemetry journal into PostgreSQL, exactly once. */
public final class ArchiverMain
{
    /** Makes the database roles (docs/operations.md, "Database") and exits. */
    static final String INIT_ROLES = "--init-roles";

    private ArchiverMain()
    {
    }

    public static void main(final String[] args)
    {
        if (args.length == 1 && INIT_ROLES.equals(args[0]))
        {
            // The init step for a database of one's own: makes the roles as the administrator, then exits.
            ProcessLauncher.run("archiver-init-roles", new String[0], ArchiverConfig.ALL, () ->
            {
                DatabaseRoles.initFromConfig(new ArchiverConfig());
                return null;
            });
            return;
        }
        if (args.length > 0 && !"--help".equals(args[0]) && !"-h".equals(args[0]))
        {
            System.err.println("usage: archiver [--init-roles | --help] (configured by ODYSSEY_ARCHIVER_* variables)");
            System.exit(2);
        }
        ProcessLauncher.run("archiver", args, ArchiverConfig.ALL, () -> Archiver.launch(new ArchiverConfig()));
    }
}
