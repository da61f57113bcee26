package io.odyssey.ingest;

import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.trust.DroneKeyVault;
import io.odyssey.runtime.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The drones' link keys this node verifies telemetry and signs commands with: the key file's, reloaded when it
 * changes (a rotation or revocation), with the keys admins manage through the API laid over them when this node holds
 * the command key that opens them ({@link GridDroneKeys}).
 */
final class DroneLinkKeys implements Component
{
    /** How often the drone key file is looked at for a rotation or revocation. */
    static final long KEY_RELOAD_PERIOD_S = 5;
    private static final Logger LOG = LoggerFactory.getLogger(DroneLinkKeys.class);

    private final EdgeIngestConfig config;
    private final GridLink grid;
    private final Housekeeping housekeeping;
    private final IngestMetrics metrics;
    private DroneKeyRing ring;
    private boolean fromGrid;
    private ScheduledFuture<?> fileReload;
    private ScheduledFuture<?> gridRepair;

    DroneLinkKeys(final EdgeIngestConfig config, final GridLink grid, final Housekeeping housekeeping,
        final IngestMetrics metrics)
    {
        this.config = config;
        this.grid = grid;
        this.housekeeping = housekeeping;
        this.metrics = metrics;
    }

    public String name()
    {
        return "drone-keys";
    }

    public void start()
    {
        final DroneKeyRing keys = config.droneKeyRing();
        ring = keys;
        fileReload = housekeeping.every(KEY_RELOAD_PERIOD_S, KEY_RELOAD_PERIOD_S, TimeUnit.SECONDS, keys::reloadIfChanged);
        metrics.metrics.gauge("odyssey_ingest_drone_keys",
            "Drones with a link key on this node (the key file's, with the grid's laid over them)", () -> keys.keys().size());
        final DroneKeyVault vault = DroneKeyVault.fromFile(CommandAuthority.KEY_FILE, config.commandKeyFile);
        if (vault == null)
        {
            LOG.warn("no command key ({} empty): drone keys managed through the API are not used on this node",
                CommandAuthority.KEY_FILE.envName());
            return;
        }
        final int maxRecords = (int)Math.min(GridDroneKeys.MAX_RECORDS, config.droneIdMax - config.droneIdMin + 1);
        final DroneKeyMarks marks = DroneKeyMarks.load(config.journalRoot().resolve(DroneKeyMarks.FILE_NAME), maxRecords);
        final GridDroneKeys gridKeys = new GridDroneKeys(FleetGrid.droneKeysMap(grid.client()), vault, keys,
            housekeeping.executor(), maxRecords, config.droneIdMin, config.droneIdMax, marks, metrics.metrics).start();
        gridRepair = housekeeping.every(KEY_RELOAD_PERIOD_S, KEY_RELOAD_PERIOD_S, TimeUnit.SECONDS,
            gridKeys::requestFullRead);
        fromGrid = true;
    }

    public String describe()
    {
        return "from " + config.droneKeys + ": " + ring.keys().size() + " drones" +
            (fromGrid ? ", and the grid's as they change" : "");
    }

    DroneKeyRing ring()
    {
        return ring;
    }

    public void stop()
    {
        Housekeeping.cancel(fileReload);
        Housekeeping.cancel(gridRepair);
    }
}
