package io.odyssey.ingest;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real grid for an integration test, and the ingest nodes' settings that reach it: one Hazelcast member in a cluster
 * of its own, on a loopback port of a random base, so tests running in parallel (here, or in another helper's build)
 * never join each other's cluster. The endpoints a test gives its nodes are offsets from that base, free by chance.
 * Shared through edge-ingest's test-jar with the modules whose tests stand on an ingest node (e.g. mavlink-edge).
 */
public final class TestGrid implements AutoCloseable
{
    private final String cluster;
    private final int basePort;
    private final HazelcastInstance member;

    private TestGrid(final String name)
    {
        cluster = name + "-" + UUID.randomUUID();
        basePort = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
        member = FleetGrid.newMember(FleetGrid.memberConfig(cluster, "127.0.0.1", basePort,
            List.of(memberAddress()), 1));
    }

    /** Starts the member; {@code name} (e.g. the test class's) begins the cluster's name, for the logs. */
    public static TestGrid start(final String name)
    {
        return new TestGrid(name);
    }

    public HazelcastInstance member()
    {
        return member;
    }

    public IMap<Long, DroneState> fleet()
    {
        return FleetGrid.fleetMap(member);
    }

    /** {@code 127.0.0.1:port}, {@code offset} (1..999) above the member's port. */
    public String endpoint(final int offset)
    {
        return "127.0.0.1:" + port(offset);
    }

    /** A loopback port {@code offset} (1..999) above the member's, for a node or a process a test listens with. */
    public int port(final int offset)
    {
        if (offset < 1 || offset > 999)
        {
            throw new IllegalArgumentException("offset " + offset + " is not in 1..999");
        }
        return basePort + offset;
    }

    /**
     * An ingest node's settings for this grid: its node id, telemetry on {@link #endpoint}({@code endpointOffset}),
     * its journal in {@code journalDir}, verifying with the drone keys in {@code droneKeys}, status on any free port.
     * The test changes what else it needs before it launches the node.
     */
    public EdgeIngestConfig ingestConfig(final String nodeId, final int endpointOffset, final Path journalDir,
        final Path droneKeys)
    {
        final EdgeIngestConfig config = new EdgeIngestConfig();
        config.clusterName = cluster;
        config.gridMembers = List.of(memberAddress());
        config.nodeId = nodeId;
        config.endpoint = endpoint(endpointOffset);
        config.statusPort = 0;
        config.journalDir = journalDir.toString();
        config.droneKeys = droneKeys.toString();
        return config;
    }

    /**
     * As {@link #ingestConfig}, for the relay's trust tests: the node holds the command key in {@code commandKeyFile}
     * (it seals and verifies, as in production) and sweeps the ledger every 100 ms, so a test waits seconds, not minutes.
     */
    public EdgeIngestConfig relayConfig(final String nodeId, final int endpointOffset, final Path journalDir,
        final Path droneKeys, final Path commandKeyFile)
    {
        final EdgeIngestConfig config = ingestConfig(nodeId, endpointOffset, journalDir, droneKeys);
        config.commandKeyFile = commandKeyFile.toString();
        config.commandSweepMs = 100;
        return config;
    }

    /**
     * A new random command key in a file of its own in {@code dir}, readable by its owner only (as a node requires):
     * with it, an ingest node relays only the commands sealed with it, as in production.
     */
    public static Path commandKeyFile(final Path dir) throws IOException
    {
        final byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        final Path file = Files.writeString(dir.resolve("command-key-" + UUID.randomUUID()), HexFormat.of().formatHex(key));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private String memberAddress()
    {
        return "127.0.0.1:" + basePort;
    }

    public void close()
    {
        member.shutdown();
    }
}
