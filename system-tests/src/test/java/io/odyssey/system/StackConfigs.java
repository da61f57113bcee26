package io.odyssey.system;

import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.GridNodeConfig;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.simulator.SimulatorConfig;


import java.nio.file.Path;
import java.util.List;

/**
 * The configurations of a one-machine stack for the in-process system tests: one cluster, one grid member port, one
 * ingest endpoint, everything on loopback with status ports chosen by the system. Each test adjusts what it is about.
 */
record StackConfigs(String cluster, int gridPort, int ingestPort)
{
    /** The drones' link keys, for the ingest nodes and simulators of every in-process system test (ids 1..10,000). */
    static final java.nio.file.Path DRONE_KEYS = io.odyssey.codecs.sign.TestDroneKeys.file(1, 10_000);

    GridNodeConfig grid()
    {
        final GridNodeConfig config = new GridNodeConfig();
        config.clusterName = cluster;
        config.members = List.of("127.0.0.1:" + gridPort);
        config.port = gridPort;
        config.statusPort = 0;
        return config;
    }

    EdgeIngestConfig ingest(final String nodeId, final Path journalDir)
    {
        final EdgeIngestConfig config = new EdgeIngestConfig();
        config.clusterName = cluster;
        config.gridMembers = List.of("127.0.0.1:" + gridPort);
        config.nodeId = nodeId;
        config.journalDir = journalDir.toString();
        config.endpoint = "127.0.0.1:" + ingestPort;
        config.statusPort = 0;
        config.droneKeys = DRONE_KEYS.toString();
        config.commandKeyFile = commandKeyFile();
        return config;
    }

    /**
     * The stack's command key (what gateways and ingest nodes authorise ledger commands with), made once per cluster
     * name in the temporary directory, owner-only.
     */
    String commandKeyFile()
    {
        return io.odyssey.gateway.TestKeys.commandKeyFile(cluster);
    }

    /** A gateway on {@code port} (0 = any) that refuses requests without a token unless a test says otherwise. */
    GatewayConfig gateway(final int port)
    {
        final GatewayConfig config = new GatewayConfig();
        config.clusterName = cluster;
        config.gridMembers = List.of("127.0.0.1:" + gridPort);
        config.port = port;
        config.commandKeyFile = commandKeyFile();
        return config;
    }

    /** Drones at 10 Hz to the ingest endpoint, taking commands on a port of the system's choosing. */
    SimulatorConfig simulator(final long firstId, final int drones)
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.drones = drones;
        config.firstId = firstId;
        config.rateHz = 10;
        config.endpoints = List.of("127.0.0.1:" + ingestPort);
        config.commandEndpoint = "127.0.0.1:0";
        config.statusPort = 0;
        config.droneKeys = DRONE_KEYS.toString();
        return config;
    }
}
