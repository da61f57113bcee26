package io.odyssey.gateway;

import com.hazelcast.core.HazelcastInstance;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import io.odyssey.testing.LoggedOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One anonymous host opening silent TCP connections (last session's live attack: 10,100 connects from one address in
 * 0.7 s, no token, no byte sent, made {@code /health} time out for everyone until the idle timeout). With a cap of
 * {@value #CAP} connections per address, the connection past it is closed at once, before a byte of it is read; the
 * address gets connections again as soon as some of its own close, and its count falls back to zero with nothing
 * left in the gateway's table. Loopback is not exempt, which is what lets this test attack from it.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayConnectionsPerAddressIT
{
    private static final String CLUSTER = "gateway-per-address-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int CAP = 8;

    private static HazelcastInstance member;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.maxConnectionsPerAddress = CAP;
        gateway = Gateway.launch(config);
    }

    @AfterAll
    static void stop()
    {
        if (gateway != null)
        {
            gateway.close();
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @Test
    void shouldCloseTheConnectionPastTheCapOfItsAddressAtOnceAndServeTheAddressAgainOnceSomeOfItsOwnClose()
        throws Exception
    {
        final List<RawClient> silent = new ArrayList<>();
        // One of the address's connections is a WebSocket: an upgraded connection must be released on closing too.
        FleetClient viewer = null;
        try
        {
            viewer = FleetClient.connect(gateway.port());
            viewer.awaitType("snapshot");
            for (int i = 1; i < CAP; i++)
            {
                silent.add(RawClient.connect(gateway.port(), 5_000));
            }
            // Accepting is asynchronous: wait until the gateway holds all of them (read in-process: a request for
            // /metrics from this address would itself be a connection past the cap).
            await().atMost(10, TimeUnit.SECONDS).until(() -> metric("odyssey_gateway_http_connections", "") == CAP);

            final String logged = LoggedOutput.during(() ->
            {
                for (int i = 0; i < 3; i++)
                {
                    try (RawClient past = RawClient.connect(gateway.port(), 3_000))
                    {
                        // The kernel completes the handshake; the gateway closes it on accepting it, without reading
                        // the request it was sent (no answer, not even an error: nothing of it was parsed).
                        past.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                        assertThat(past.closedByServer()).as("a connection past the cap is closed at once").isTrue();
                    }
                }
            });
            assertThat(metric("odyssey_gateway_connections_refused_total", "reason=\"per_address\"")).isEqualTo(3);
            // A flood must not flood the log: one warning naming the address, the next at most 10 s later.
            assertThat(logged.lines().filter(line -> line.contains("WARN") && line.contains("from 127.0.0.1 ")))
                .hasSize(1);
            for (final RawClient held : silent)
            {
                assertThat(held.socket.isClosed()).isFalse();
            }

            // Its own connections closing give the address room again: /health from a fresh connection answers.
            viewer.close();
            silent.remove(0).close();
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
            {
                try (RawClient fresh = RawClient.connect(gateway.port(), 5_000))
                {
                    fresh.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
                    assertThat(fresh.readResponse()).startsWith("HTTP/1.1 200");
                }
            });
        }
        finally
        {
            silent.forEach(RawClient::close);
            if (viewer != null)
            {
                viewer.close();
            }
        }
        // Every connection of the address gone: its count is zero and the gateway's table holds no entry for it.
        await().atMost(10, TimeUnit.SECONDS).until(() -> metric("odyssey_gateway_http_connections", "") == 0);
        await().atMost(10, TimeUnit.SECONDS).until(() -> metric("odyssey_gateway_connection_addresses", "") == 0);
    }

    /** A metric's value as /metrics would serve it, read in-process. */
    private static double metric(final String name, final String label)
    {
        for (final String line : gateway.metrics().renderPrometheus().split("\n"))
        {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(label))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name + " " + label);
    }
}
