package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.ingest.TestGrid;
import io.odyssey.runtime.Setting;
import io.odyssey.simulator.SimulatorConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a drone's telemetry lands in, real parts as the edge meets them in production: one Hazelcast member and one
 * edge ingest node verifying with {@code keys}, on loopback ports of a random base and a cluster of their own. The
 * processes a test starts on top of it (an edge, a simulator) are closed with it, first.
 */
final class GridAndIngest implements AutoCloseable
{
    private final List<AutoCloseable> onTop = new ArrayList<>();
    private final TestGrid grid;
    private final EdgeIngest ingest;
    private final Path commandKey;
    private final Path keys;
    private final Setting keySetting;

    GridAndIngest(final Path keys, final Path journalDir) throws Exception
    {
        this.keys = keys;
        this.keySetting = Setting.of("ODYSSEY_TEST_MAVLINK_KEYS", keys.toString(), "drone keys of the test");
        grid = TestGrid.start("mavlink-edge-it");
        final EdgeIngestConfig config = grid.ingestConfig("ingest-mavlink", 100, journalDir, keys);
        // The ingest node relays only commands sealed with the fleet's command key, as in production.
        commandKey = TestGrid.commandKeyFile(journalDir.toAbsolutePath().getParent());
        config.commandKeyFile = commandKey.toString();
        ingest = EdgeIngest.launch(config);
    }

    /** The ingest node's telemetry endpoint, host:port. */
    String ingestEndpoint()
    {
        return grid.endpoint(100);
    }

    /** A free-by-chance UDP port near the others, for a process a test listens with. */
    int sparePort()
    {
        return grid.port(150);
    }

    /** An edge for this stack: vehicles heard on {@link #sparePort()}, orders taken on any free port, no fixed port. */
    MavlinkEdgeConfig edgeConfig()
    {
        return edgeConfig("127.0.0.1:" + sparePort());
    }

    /** An edge for this stack hearing vehicles on {@code listen}, orders taken on any free port. */
    private MavlinkEdgeConfig edgeConfig(final String listen)
    {
        final MavlinkEdgeConfig config = new MavlinkEdgeConfig();
        config.listen = listen;
        config.commandEndpoint = "127.0.0.1:0";
        config.endpoints = List.of(ingestEndpoint());
        config.statusPort = 0;
        return config;
    }

    /** Launches the edge on top of this stack, system ids 1.. for {@code droneIds} in order, the stack's drone keys. */
    MavlinkEdge launchEdge(final MavlinkEdgeConfig config, final long... droneIds) throws Exception
    {
        final VehicleRegistry registry = new VehicleRegistry();
        for (int i = 0; i < droneIds.length; i++)
        {
            registry.register(i + 1, droneIds[i], false);
        }
        return onTop(MavlinkEdge.launch(config, registry, DroneKeyRing.load(keySetting, keys)));
    }

    /**
     * A MAVLink edge on loopback (any free ports unless {@code tune} says otherwise) sending to this ingest node and
     * verifying with the fixture's drone keys; closed with the fixture.
     */
    MavlinkEdge edge(final VehicleRegistry registry, final Consumer<MavlinkEdgeConfig> tune) throws Exception
    {
        final MavlinkEdgeConfig config = edgeConfig("127.0.0.1:0");
        tune.accept(config);
        return onTop(MavlinkEdge.launch(config, registry, DroneKeyRing.load(keySetting, keys)));
    }

    /** The fixture's drone keys, for a vehicle to sign with. */
    DroneKeys droneKeys()
    {
        return DroneKeys.load(keySetting, keys);
    }

    /** A simulator of {@code drones} drones from {@code firstId}, the last {@code mavlinkDrones} speaking to {@code edge}. */
    SimulatorConfig mixedFleet(final int drones, final long firstId, final int mavlinkDrones, final MavlinkEdgeConfig edge)
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.drones = drones;
        config.firstId = firstId;
        config.endpoints = List.of(ingestEndpoint());
        config.statusPort = 0;
        config.commandEndpoint = SimulatorConfig.NO_COMMANDS;
        config.droneKeys = keys.toString();
        config.mavlinkDrones = mavlinkDrones;
        config.mavlinkEdge = edge.listen;
        return config;
    }

    /** The command ledger as a gateway writes it: what it records is sealed with the command key. */
    CommandLedger ledger()
    {
        return new CommandLedger(grid.member(), null, CommandAuthority.fromFile(commandKey.toString()));
    }

    IMap<Long, DroneState> fleet()
    {
        return grid.fleet();
    }

    /** Closes {@code process} with this fixture, before the ingest node and the member. */
    <T extends AutoCloseable> T onTop(final T process)
    {
        onTop.add(0, process);
        return process;
    }

    public void close()
    {
        final List<AutoCloseable> all = new ArrayList<>(onTop);
        all.add(ingest);
        for (final AutoCloseable closeable : all)
        {
            try
            {
                closeable.close();
            }
            catch (final Exception ignore)
            {
                // best effort in teardown: the next one still closes
            }
        }
        grid.close();
    }
}
