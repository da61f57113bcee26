package io.odyssey.gateway.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.archiver.Archiver;
import io.odyssey.archiver.ArchiverConfig;
import io.odyssey.archiver.LocalPostgres;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.FleetGrid;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The history API end to end with real parts: frames journaled as ingest does, archived by the real archiver into the
 * machine's PostgreSQL + PostGIS, read back through a real gateway over HTTP.
 * <p>
 * The flights: drone 42 flies due north from (52.0, 13.0) for 100 s, one frame a second, 0.0001° (11.12 m) per frame,
 * climbing 1 m and using 0.1 % battery per frame; drone 43 hovers 50 km away for the same 100 s; drone 44 appears at
 * second 60.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HistoryApiIT
{
    private static final String CLUSTER = "history-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final double STEP_M = 11.119_5;
    private static final Instant T0 = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static LocalPostgres postgres;
    private static HazelcastInstance member;
    private static Gateway gateway;
    private static Path journal;

    @BeforeAll
    static void start() throws Exception
    {
        postgres = LocalPostgres.start();
        // Prepared as the init step prepares a database: the archiver writes as its role, the gateway reads as the
        // history role, which can read and nothing else (DatabaseRolesIT).
        final LocalPostgres.ArchiveDatabase archive = postgres.createArchiveDatabase("history_it");
        final String url = archive.url();
        journal = Files.createTempDirectory("history-it-journal-");
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        try (TelemetryJournal telemetry = new TelemetryJournal(journal, RollCycles.FAST_HOURLY))
        {
            for (int i = 0; i < 100; i++)
            {
                final long at = nanos(T0.plusSeconds(i));
                append(telemetry, writer, frame, 42, i + 1, at, 52.0 + i * 0.0001, 13.0, i, 100f - i * 0.1f,
                    DroneStatus.CRUISING);
                append(telemetry, writer, frame, 43, i + 1, at, 52.45, 13.0, 30, 80f, DroneStatus.HOVERING);
                if (i >= 60)
                {
                    append(telemetry, writer, frame, 44, i - 59, at, 51.0, 12.0, 5, 99f, DroneStatus.TAKING_OFF);
                }
            }
        }
        final ArchiverConfig archiverConfig = new ArchiverConfig();
        archiverConfig.name = "history-it";
        archiverConfig.journalDir = journal.toString();
        archiverConfig.dbUrl = url;
        archiverConfig.dbUser = archive.archiverUser();
        archiverConfig.dbPassword = archive.archiverPassword();
        archiverConfig.statusPort = 0;
        try (Archiver archiver = Archiver.launch(archiverConfig))
        {
            await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 240);
        }

        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT,
            List.of("127.0.0.1:" + GRID_PORT), 1));
        final GatewayConfig config = new GatewayConfig();
        // These tests are about reading the fleet, not access control (see CommandApiIT): anonymous viewers.
        config.anonymousRole = "viewer";
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.dbUrl = url;
        config.dbUser = archive.historyUser();
        config.dbPassword = archive.historyPassword();
        gateway = Gateway.launch(config);
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (gateway != null)
        {
            gateway.close();
        }
        if (member != null)
        {
            member.shutdown();
        }
        if (postgres != null)
        {
            postgres.close();
        }
    }

    @Test
    void shouldReturnADronesTrackThinnedToItsPointBudgetWithFullResolutionFigures() throws Exception
    {
        final HttpResponse<String> response = get("/api/v1/history/drones/42/track?from=" + T0 + "&to=" +
            T0.plusSeconds(100) + "&maxPoints=10");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/geo+json");
        final JsonNode track = JSON.readTree(response.body());
        assertThat(track.path("type").asText()).isEqualTo("Feature");
        assertThat(track.path("geometry").path("type").asText()).isEqualTo("LineString");
        final JsonNode coordinates = track.path("geometry").path("coordinates");
        assertThat(coordinates.size()).isBetween(9, 10);
        assertThat(coordinates.get(0).get(1).asDouble()).as("first point kept").isEqualTo(52.0);
        assertThat(coordinates.get(coordinates.size() - 1).get(1).asDouble()).as("last point kept").isEqualTo(52.0099);
        final JsonNode properties = track.path("properties");
        assertThat(properties.path("frames").asLong()).isEqualTo(100);
        assertThat(properties.path("points").asInt()).isEqualTo(coordinates.size());
        assertThat(properties.path("distanceM").asDouble()).isCloseTo(99 * STEP_M, org.assertj.core.data.Percentage.withPercentage(0.5));
        assertThat(properties.path("maxAltitudeM").asDouble()).isEqualTo(99.0);
        assertThat(properties.path("batteryUsedPct").asDouble()).isCloseTo(9.9, org.assertj.core.data.Offset.offset(0.01));
        assertThat(properties.path("times").size()).isEqualTo(coordinates.size());

        // Half the window, full resolution.
        final JsonNode half = JSON.readTree(get("/api/v1/history/drones/42/track?from=" + T0 + "&to=" +
            T0.plusSeconds(50)).body());
        assertThat(half.path("properties").path("frames").asLong()).isEqualTo(50);
        assertThat(half.path("geometry").path("coordinates").size()).isEqualTo(50);
    }

    @Test
    void shouldExportATrackAsGpxAndCsv() throws Exception
    {
        final String window = "from=" + T0 + "&to=" + T0.plusSeconds(100);
        final HttpResponse<String> gpx = get("/api/v1/history/drones/42/track?" + window + "&format=gpx");
        assertThat(gpx.statusCode()).isEqualTo(200);
        assertThat(gpx.headers().firstValue("content-type")).hasValue("application/gpx+xml");
        assertThat(gpx.headers().firstValue("content-disposition")).hasValue("attachment; filename=\"drone-42-track.gpx\"");
        assertThat(gpx.body()).startsWith("<?xml").contains("<gpx version=\"1.1\"", "<trkpt lat=\"52.0\" lon=\"13.0\">");
        assertThat(gpx.body().split("<trkpt ", -1).length - 1).isEqualTo(100);

        final HttpResponse<String> csv = get("/api/v1/history/drones/42/track?" + window + "&format=csv");
        final List<String> lines = csv.body().lines().toList();
        assertThat(lines.get(0)).isEqualTo("time,drone_id,seq,lat,lon,alt_m,heading_deg,speed_mps,battery_pct,status");
        assertThat(lines).hasSize(101);
        assertThat(lines.get(1)).startsWith(T0 + ",42,1,52.0,13.0,0.0,").endsWith(",100.0,CRUISING");
    }

    @Test
    void shouldShowTheFleetAsItWasAtAnInstantAndWhatChangedBetweenTwo() throws Exception
    {
        final JsonNode at30 = JSON.readTree(get("/api/v1/history/fleet?at=" + T0.plusSeconds(30)).body());
        assertThat(ids(at30.path("drones"))).containsExactly(42L, 43L);
        assertThat(at30.path("drones").get(0).path("seq").asLong()).isEqualTo(31);
        assertThat(at30.path("drones").get(0).path("lat").asDouble()).isEqualTo(52.003);

        final JsonNode diff = JSON.readTree(get("/api/v1/history/fleet/diff?from=" + T0.plusSeconds(30) + "&to=" +
            T0.plusSeconds(90)).body());
        assertThat(ids(diff.path("added"))).containsExactly(44L);
        assertThat(ids(diff.path("removed"))).isEmpty();
        final JsonNode changed = diff.path("changed");
        assertThat(changed.size()).isEqualTo(2);
        assertThat(changed.get(0).path("id").asLong()).isEqualTo(42);
        assertThat(changed.get(0).path("movedM").asDouble()).isCloseTo(60 * STEP_M, org.assertj.core.data.Percentage.withPercentage(0.5));
        assertThat(changed.get(0).path("altitudeChangeM").asDouble()).isEqualTo(60.0);
        assertThat(changed.get(1).path("id").asLong()).isEqualTo(43);
        assertThat(changed.get(1).path("movedM").asDouble()).isZero();

        // Before anything flew, and long after: nothing (drones unheard for lookbackS are gone).
        assertThat(JSON.readTree(get("/api/v1/history/fleet?at=" + T0.minusSeconds(5)).body()).path("count").asInt()).isZero();
        assertThat(JSON.readTree(get("/api/v1/history/fleet?at=" + T0.plusSeconds(100 + 301)).body())
            .path("count").asInt()).isZero();
    }

    @Test
    void shouldFindTheDronesThatCameWithinARadiusDuringAWindow() throws Exception
    {
        final String window = "&from=" + T0 + "&to=" + T0.plusSeconds(100);
        final JsonNode start = JSON.readTree(get("/api/v1/history/near?lat=52.0&lon=13.0&radiusM=100" + window).body());
        assertThat(ids(start.path("drones"))).containsExactly(42L);
        assertThat(start.path("drones").get(0).path("closestM").asDouble()).isZero();
        assertThat(start.path("drones").get(0).path("frames").asLong()).as("within 100 m: 9 steps of 11.1 m").isEqualTo(9);
        assertThat(start.path("drones").get(0).path("firstSeen").asText()).isEqualTo(T0.toString());

        final JsonNode wide = JSON.readTree(get("/api/v1/history/near?lat=52.2&lon=13.0&radiusM=50000" + window).body());
        assertThat(ids(wide.path("drones"))).containsExactlyInAnyOrder(42L, 43L);
        // Only the window counts: drone 44 is within range of its own position but flew after 'to'.
        final JsonNode early = JSON.readTree(get("/api/v1/history/near?lat=51.0&lon=12.0&radiusM=10&from=" + T0 +
            "&to=" + T0.plusSeconds(59)).body());
        assertThat(early.path("drones").size()).isZero();
    }

    @Test
    void shouldFindTheSameDronesNearAPointWithoutPostgis() throws Exception
    {
        // The same journal archived into a database without PostGIS (as the embedded one is).
        final String plain = postgres.createDatabase("history_it_plain");
        final ArchiverConfig archiverConfig = new ArchiverConfig();
        archiverConfig.name = "history-it-plain";
        archiverConfig.journalDir = journal.toString();
        archiverConfig.dbUrl = plain;
        archiverConfig.dbUser = "postgres";
        archiverConfig.statusPort = 0;
        try (Archiver archiver = Archiver.launch(archiverConfig))
        {
            await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 240);
        }
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(plain, "postgres", "");
            java.sql.Statement sql = connection.createStatement())
        {
            sql.execute("DROP EXTENSION postgis CASCADE");
        }
        final GatewayConfig config = new GatewayConfig();
        // These tests are about reading the fleet, not access control (see CommandApiIT): anonymous viewers.
        config.anonymousRole = "viewer";
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.dbUrl = plain;
        config.dbUser = "postgres";
        try (Gateway withoutPostgis = Gateway.launch(config))
        {
            for (final String query : List.of("lat=52.0&lon=13.0&radiusM=100", "lat=52.2&lon=13.0&radiusM=50000"))
            {
                final String path = "/api/v1/history/near?" + query + "&from=" + T0 + "&to=" + T0.plusSeconds(100);
                final JsonNode expected = JSON.readTree(get(path).body());
                final JsonNode actual = JSON.readTree(HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + withoutPostgis.port() + path)).build(), HttpResponse.BodyHandlers.ofString()).body());
                assertThat(ids(actual.path("drones"))).as(query).isEqualTo(ids(expected.path("drones")));
                for (int i = 0; i < expected.path("drones").size(); i++)
                {
                    final JsonNode want = expected.path("drones").get(i);
                    final JsonNode got = actual.path("drones").get(i);
                    assertThat(got.path("frames").asLong()).isEqualTo(want.path("frames").asLong());
                    assertThat(got.path("closestM").asDouble()).isCloseTo(want.path("closestM").asDouble(),
                        org.assertj.core.data.Offset.offset(Math.max(1.0, want.path("closestM").asDouble() * 0.005)));
                }
            }
        }
    }

    @Test
    void shouldAnswerBadRequestsWithAProblemThatSaysWhat() throws Exception
    {
        final String window = "from=" + T0 + "&to=" + T0.plusSeconds(100);
        assertProblem(get("/api/v1/history/drones/999/track?" + window), 404, "unknown-drone", "999");
        assertProblem(get("/api/v1/history/drones/abc/track?" + window), 400, "invalid-parameter", "positive whole number");
        assertProblem(get("/api/v1/history/drones/42/track?from=yesterday&to=" + T0), 400, "invalid-parameter", "ISO-8601");
        assertProblem(get("/api/v1/history/drones/42/track?from=" + T0 + "&to=" + T0), 400, "invalid-parameter", "before");
        assertProblem(get("/api/v1/history/drones/42/track?" + window + "&format=kml"), 400, "invalid-parameter", "format");
        assertProblem(get("/api/v1/history/drones/42/track?" + window + "&maxPoints=1"), 400, "invalid-parameter", "maxPoints");
        assertProblem(get("/api/v1/history/near?lat=95&lon=13&radiusM=10&" + window), 400, "invalid-parameter", "lat");
        assertProblem(get("/api/v1/history/near?lat=52&lon=13&radiusM=-1&" + window), 400, "invalid-parameter", "radiusM");
        assertProblem(get("/api/v1/history/fleet"), 400, "invalid-parameter", "'at' is required");
        // Instants Java parses and JDBC or PostgreSQL cannot take (they answered 500, or 503 "archive unavailable").
        assertProblem(get("/api/v1/history/drones/42/track?from=%2B300000000-01-01T00:00:00Z&to=%2B300000000-01-01T01:00:00Z"),
            400, "invalid-parameter", "years 1 and 9999");
        assertProblem(get("/api/v1/history/fleet?at=-1000000000-01-01T00:00:00Z"), 400, "invalid-parameter", "years 1 and 9999");
        assertProblem(get("/api/v1/history/drones/42/track?from=%2B300000-01-01T00:00:00Z&to=%2B300000-01-01T01:00:00Z"),
            400, "invalid-parameter", "years 1 and 9999");
        assertProblem(get("/api/v1/history/nothing-here"), 404, "not-found", "no such history resource");
    }

    @Test
    void shouldAnswerTheCliHistoryCommandsAgainstTheRealGateway() throws Exception
    {
        final String server = "http://127.0.0.1:" + gateway.port();
        final String from = T0.toString();
        final String to = T0.plusSeconds(100).toString();

        final Cli track = cli("history", "track", "42", "--from", from, "--to", to, "--server", server);
        assertThat(track.exit).isZero();
        assertThat(track.out).contains("drone 42", "frames          100", "distance flown  1100.8 m",
            "max altitude    99.0 m", "battery used    9.9 %");

        final Path gpx = Files.createTempFile("track-", ".gpx");
        final Cli export = cli("history", "track", "42", "--from", from, "--to", to, "--format", "gpx", "--out",
            gpx.toString(), "--server", server);
        assertThat(export.exit).isZero();
        assertThat(Files.readString(gpx).split("<trkpt ", -1).length - 1).isEqualTo(100);
        Files.delete(gpx);

        final Cli fleet = cli("history", "fleet", "--at", T0.plusSeconds(30).toString(), "--server", server);
        assertThat(fleet.exit).isZero();
        assertThat(fleet.out).contains("2 drones").containsPattern("\\s42 CRUISING\\s+52\\.00300").contains("HOVERING");

        final Cli near = cli("history", "near", "52.0,13.0,100", "--from", from, "--to", to, "--json", "--server", server);
        assertThat(near.exit).isZero();
        assertThat(ids(JSON.readTree(near.out).path("drones"))).containsExactly(42L);

        final Cli unknown = cli("history", "track", "999", "--last", "1h", "--server", server);
        assertThat(unknown.exit).as("refused: exit 4").isEqualTo(4);
        assertThat(unknown.err).contains("drone 999 has no archived telemetry");

        final Cli badAge = cli("history", "track", "42", "--last", "yesterday", "--server", server);
        assertThat(badAge.exit).as("usage: exit 2").isEqualTo(2);
        assertThat(badAge.err).contains("--last takes an ISO-8601 instant or an age");

        final Cli nobody = cli("history", "fleet", "--at", "1m", "--server", "http://127.0.0.1:1");
        assertThat(nobody.exit).as("unreachable: exit 3").isEqualTo(3);
    }

    private record Cli(int exit, String out, String err)
    {
    }

    private static Cli cli(final String... args)
    {
        final java.io.StringWriter out = new java.io.StringWriter();
        final java.io.StringWriter err = new java.io.StringWriter();
        final picocli.CommandLine command = io.odyssey.cli.OdysseyCli.commandLine()
            .setOut(new java.io.PrintWriter(out, true)).setErr(new java.io.PrintWriter(err, true));
        final int exit = command.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    private static void assertProblem(final HttpResponse<String> response, final int status, final String type,
        final String detail) throws Exception
    {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        final JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asText()).isEqualTo("urn:odyssey:problem:" + type);
        assertThat(problem.path("detail").asText()).contains(detail);
    }

    private static List<Long> ids(final JsonNode array)
    {
        final List<Long> ids = new ArrayList<>();
        array.forEach(node -> ids.add(node.isNumber() ? node.asLong() : node.path("id").asLong()));
        return ids;
    }

    private static HttpResponse<String> get(final String path) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static void append(final TelemetryJournal journal, final TelemetryFrameWriter writer, final UnsafeBuffer frame,
        final long drone, final long seq, final long at, final double lat, final double lon, final float alt,
        final float battery, final DroneStatus status)
    {
        journal.appendTelemetry(frame, 0, writer.telemetry(frame, 0, drone, seq, at, lat, lon, alt, 0f, 11.1f, battery,
            status, (byte)0, 1f), at + 1_000_000L);
    }

    private static long nanos(final Instant instant)
    {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
