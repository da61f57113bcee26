package io.odyssey.ingest;

import io.aeron.exceptions.RegistrationException;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.relay.CommandRelay;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.RealTimeClock;
import org.agrona.CloseHelper;

/**
 * The {@link CommandRelay}: commands from the ledger to the drones this node hears, their answers back into the
 * ledger. It publishes through the node's media driver and journals to the command journal, so it starts after both;
 * the ingest thread feeds it links and answers, so it starts before that.
 */
final class CommandRelayPart implements Component
{
    private final EdgeIngestConfig config;
    private final TelemetryEndpoint aeron;
    private final GridLink grid;
    private final IngestJournals journals;
    private final DroneLinkKeys keys;
    private final CommandAuthority authority;
    private final IngestMetrics metrics;
    private CommandRelay relay;

    CommandRelayPart(final EdgeIngestConfig config, final TelemetryEndpoint aeron, final GridLink grid,
        final IngestJournals journals, final DroneLinkKeys keys, final CommandAuthority authority,
        final IngestMetrics metrics)
    {
        this.config = config;
        this.aeron = aeron;
        this.grid = grid;
        this.journals = journals;
        this.keys = keys;
        this.authority = authority;
        this.metrics = metrics;
    }

    public String name()
    {
        return "command-relay";
    }

    public void start()
    {
        final CommandRelay.CommandMetrics commandMetrics = new CommandRelay.CommandMetrics(metrics.metrics);
        try
        {
            relay = new CommandRelay(aeron.transport().aeron(), config.commandStreamId,
                new CommandLedger(grid.client(), commandMetrics.textRepaired(), authority)
                    .countingUnreadable(commandMetrics.unreadable())
                    .countingUnsealedRemoved(commandMetrics.unsealedRemoved())
                    .countingTrimDeferred(commandMetrics.trimDeferred())
                    .countingTrimUnordered(commandMetrics.trimUnordered()),
                FleetGrid.fleetMap(grid.client()), config.nodeId, new RealTimeClock(), config.commandResendMs,
                config.commandSweepMs, journals.commands(), commandMetrics,
                GeofenceRecords.fromKeyFile(grid.client().getMap(FleetGrid.GEOFENCES_MAP), CommandAuthority.KEY_FILE,
                    config.commandKeyFile, config.geofencesMax, config.geofenceMaxPoints, commandMetrics.geofencesUnsealed(),
                    commandMetrics.geofencesUnreadable(), commandMetrics.geofencesOverLimit()),
                config.geofenceAction, config.commandControlEndpoint,
                config.commandLinksMax, new FrameSigner(keys.ring(), new RealTimeClock(), config.commandLinkId()));
        }
        catch (final RegistrationException ex)
        {
            // Binding the control endpoint failed: typically its port is taken.
            throw EdgeIngestConfig.COMMAND_CONTROL_ENDPOINT.invalid(config.commandControlEndpoint,
                "a free UDP port on an address of this host to bind (" + ex.getMessage() + ")");
        }
        final CommandRelay commands = relay.start();
        metrics.metrics.gauge("odyssey_ingest_command_links",
            "Drones this node can reach with commands (a response channel, or an advertised endpoint)", commands::linkCount);
        metrics.metrics.gauge("odyssey_ingest_command_publications",
            "Open command publications (response channels and advertised endpoints; bounded)", commands::openPublications);
    }

    public String describe()
    {
        final boolean controlEndpoint = config.commandControlEndpoint != null && !config.commandControlEndpoint.isBlank();
        return "stream " + config.commandStreamId + (controlEndpoint ? ", control endpoint " +
            config.commandControlEndpoint : ", advertised endpoints only") + ", geofence action " + config.geofenceAction;
    }

    public void health(final Health health)
    {
        health.ready("commands", () ->
        {
            final String error = relay.lastError();
            return !relay.isRunning() ? HealthCheck.Result.down("the command relay stopped (see the log)") :
                error == null ? HealthCheck.Result.up(relay.linkCount() + " command links") :
                HealthCheck.Result.down("ledger unreachable: " + error);
        });
    }

    CommandRelay relay()
    {
        return relay;
    }

    public void stop()
    {
        CloseHelper.quietClose(relay);
    }
}
