package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.odyssey.cli.Contract.drone;
import static org.assertj.core.api.Assertions.assertThat;

class DronesCommandTest
{
    private final FakeGateway gateway = new FakeGateway();

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldListTheFleetAsATableWithTheFiltersAsQueryParameters()
    {
        gateway.answer("GET", "/api/v1/drones", 200, "{\"drones\":[" + drone(7, "HOVERING", 52.520008, 13.404954) + "," +
            drone(12, "CRUISING", -33.8688, 151.2093).put("alt", (String)null) + "],\"count\":2}");

        final Cli.Result result = Cli.run("drones", "list", "--status", "hovering", "--near", "52.52,13.405,500",
            "--bbox", "13.3,52.4,13.5,52.6", "--limit", "10", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(gateway.last("GET", "/api/v1/drones").query())
            .isEqualTo("status=HOVERING&near=52.52,13.405,500&bbox=13.3,52.4,13.5,52.6&limit=10");
        assertThat(result.out().lines()).containsExactly(
            "2 drones",
            "      id  status              lat          lon    alt m     m/s   bat %  node        age",
            "       7  HOVERING      52.520008    13.404954     60.0     8.3    87.5  ingest-1    2.5s",
            "      12  CRUISING     -33.868800   151.209300        -     8.3    87.5  ingest-1    2.5s");
    }

    @Test
    void shouldRefuseABadFilterBeforeAsking()
    {
        final Cli.Result result = Cli.run("drones", "list", "--near", "52.52,13.405", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("LAT,LON,RADIUS_M");
        assertThat(gateway.requests).isEmpty();
    }

    @Test
    void shouldShowADroneWithItsRecentCommands()
    {
        final ObjectNode drone = drone(7, "HOVERING", 52.52, 13.405);
        drone.putArray("commands").add(Contract.command("99", 7, "takeoff", null, "issued", "sent", "accepted",
            "in-progress", "completed"));
        gateway.answer("GET", "/api/v1/drones/7", 200, drone.toString());

        final Cli.Result result = Cli.run("drones", "show", "7", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("drone 7  HOVERING", "position   52.520000, 13.405000  alt 60.0 m",
                "flags      LOW_BATTERY SIMULATED", "telemetry age 2.5s", "1 recent commands")
            .containsPattern("99\\s+7\\s+takeoff\\s+completed\\s+100%");
    }

    @Test
    void shouldTailTheFleetInTheBoxAndOnlyTheChosenDrones() throws Exception
    {
        gateway.feed("/ws/fleet", session ->
        {
            session.send("{\"type\":\"hello\",\"protocol\":1,\"coalesceMs\":16,\"serverTimeMs\":1764583200000}");
            session.send("{\"type\":\"snapshot\",\"drones\":[" + drone(99, "GROUNDED", 0, 0) + "],\"bbox\":null}");
        });

        final java.util.concurrent.CompletableFuture<Cli.Result> watch = java.util.concurrent.CompletableFuture.supplyAsync(
            () -> Cli.run("watch", "--bbox", "13.3,52.4,13.5,52.6", "--drone", "7,8", "--count", "2", "--server",
                gateway.url()));
        final FakeGateway.Session session = gateway.sessions.poll(60, TimeUnit.SECONDS);
        final JsonNode subscribe = FakeGateway.JSON.readTree(session.received.poll(60, TimeUnit.SECONDS));
        assertThat(subscribe.toString()).isEqualTo("{\"type\":\"subscribe\",\"bbox\":[13.3,52.4,13.5,52.6]}");
        session.send("{\"type\":\"snapshot\",\"drones\":[" + drone(7, "HOVERING", 52.5, 13.4) + "," +
            drone(9, "HOVERING", 52.5, 13.4) + "],\"bbox\":[13.3,52.4,13.5,52.6]}");
        session.send("{\"type\":\"changes\",\"drones\":[" + drone(9, "CRUISING", 52.5, 13.4) + "],\"removed\":[]}");
        session.send("{\"type\":\"changes\",\"drones\":[" + drone(7, "CRUISING", 52.51, 13.4) + "],\"removed\":[8]}");
        // Generous bounds that end as soon as the event happens: a loaded CI machine once took over 5 s to connect.
        final Cli.Result result = watch.get(60, TimeUnit.SECONDS);

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out().lines()).containsExactly(
            "1 drones in 13.3,52.4,13.5,52.6",
            "      id  status              lat          lon    alt m     m/s   bat %  node        age",
            "       7  HOVERING      52.500000    13.400000     60.0     8.3    87.5  ingest-1    2.5s",
            "       7  CRUISING      52.510000    13.400000     60.0     8.3    87.5  ingest-1    2.5s",
            "       8  left");
    }

    @Test
    void shouldPrintTheFeedsMessagesFilteredToTheChosenDronesWithJson()
    {
        gateway.feed("/ws/fleet", session ->
        {
            session.send("{\"type\":\"hello\",\"protocol\":1,\"coalesceMs\":16,\"serverTimeMs\":1764583200000}");
            session.send("{\"type\":\"snapshot\",\"drones\":[" + drone(7, "HOVERING", 52.5, 13.4) + "," +
                drone(9, "HOVERING", 52.5, 13.4) + "],\"bbox\":null}");
            session.send("{\"type\":\"changes\",\"drones\":[" + drone(9, "CRUISING", 52.5, 13.4) + "],\"removed\":[]}");
            session.send("{\"type\":\"changes\",\"drones\":[" + drone(7, "LANDING", 52.5, 13.4) + "," +
                drone(9, "LANDING", 52.5, 13.4) + "],\"removed\":[]}");
        });

        final Cli.Result result = Cli.run("watch", "--drone", "7", "--count", "1", "--json", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out().lines()).hasSize(2).allSatisfy(line ->
        {
            final JsonNode message = FakeGateway.JSON.readTree(line);
            assertThat(message.path("drones")).hasSize(1);
            assertThat(message.path("drones").get(0).path("id").asLong()).isEqualTo(7);
        });
        assertThat(result.out()).contains("\"type\":\"snapshot\"", "\"type\":\"changes\"", "LANDING");
    }
}
