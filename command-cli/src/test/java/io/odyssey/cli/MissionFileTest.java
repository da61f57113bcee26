package io.odyssey.cli;

import io.odyssey.codecs.CommandLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MissionFileTest
{
    /** The route every format below describes, as the gateway should receive it. */
    private static final String ROUTE = "[{\"lat\":52.5,\"lon\":13.4,\"alt\":60.0,\"speed\":8.0,\"holdS\":5.0}," +
        "{\"lat\":52.51,\"lon\":13.41},{\"lat\":-33.9,\"lon\":151.2,\"alt\":30.0}]";

    @TempDir
    Path dir;

    @Test
    void shouldReadAJsonArrayOfWaypoints()
    {
        assertThat(MissionFile.parse("route.json", """
            [
              {"lat": 52.5, "lon": 13.4, "alt": 60, "speed": 8, "holdS": 5},
              {"lat": 52.51, "lon": 13.41},
              {"lat": -33.9, "lon": 151.2, "alt": 30, "speed": null}
            ]
            """).toString()).isEqualTo(ROUTE);
    }

    @Test
    void shouldReadAnObjectWithWaypointsWhateverTheExtension()
    {
        assertThat(MissionFile.parse("route.txt", """
            {"name": "survey", "waypoints": [{"lat": 52.5, "lon": 13.4, "alt": 60, "speed": 8, "holdS": 5},
              {"lat": 52.51, "lon": 13.41}, {"lat": -33.9, "lon": 151.2, "alt": 30}]}
            """).toString()).isEqualTo(ROUTE);
    }

    @Test
    void shouldReadCsvWithAHeaderRowInAnyOrder()
    {
        assertThat(MissionFile.parse("route.csv", """
            # survey of the east field
            lon,lat,alt,speed,HOLDS
            13.4,52.5,60,8,5

            13.41,52.51,,,
            151.2,-33.9,30,,
            """).toString()).isEqualTo(ROUTE);
    }

    @Test
    void shouldReadAGeoJsonLineStringWithLongitudeFirst()
    {
        assertThat(MissionFile.parse("route.geojson", """
            {"type": "Feature", "properties": {"name": "a", "speed": 8},
             "geometry": {"type": "LineString", "coordinates": [[13.4, 52.5, 60], [13.41, 52.51]]}}
            """).toString()).isEqualTo("[{\"lat\":52.5,\"lon\":13.4,\"alt\":60.0,\"speed\":8.0}," +
            "{\"lat\":52.51,\"lon\":13.41,\"speed\":8.0}]");
    }

    @Test
    void shouldReadGeoJsonPointFeaturesWithTheirProperties()
    {
        assertThat(MissionFile.parse("route.json", """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {"alt": 60, "speed": 8, "holdS": 5, "title": "start"},
               "geometry": {"type": "Point", "coordinates": [13.4, 52.5, 120]}},
              {"type": "Feature", "properties": null, "geometry": {"type": "Point", "coordinates": [13.41, 52.51]}},
              {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": [[151.2, -33.9, 30]]}}
            ]}
            """).toString()).as("a property alt wins over the position's").isEqualTo(ROUTE);
    }

    @Test
    void shouldNameTheLineOfABadCsvValue()
    {
        assertThatThrownBy(() -> MissionFile.parse("route.csv", "lat,lon,alt\n52.5,13.4,60\n52.6,east,60\n"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("route.csv line 3: lon 'east' is not a number");
        assertThatThrownBy(() -> MissionFile.parse("route.csv", "lat,lon\n52.5,13.4,60\n"))
            .hasMessage("route.csv line 2: 3 values for the 2 columns of the header (lat,lon)");
        assertThatThrownBy(() -> MissionFile.parse("route.csv", "52.5,13.4\n"))
            .hasMessageStartingWith("route.csv line 1: the header row must name the columns")
            .hasMessageContaining("is the header row missing?");
        assertThatThrownBy(() -> MissionFile.parse("route.csv", "lat,lon\n\n95,130\n"))
            .hasMessage("route.csv line 3: waypoint 1: latitude 95.0 is outside -90..90");
        assertThatThrownBy(() -> MissionFile.parse("route.csv", "lat,lon\n"))
            .hasMessage("route.csv line 1: a header but no waypoint rows");
    }

    @Test
    void shouldNameTheLineOfABadJsonWaypoint()
    {
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[\n  {\"lat\": 52.5, \"lon\": 13.4},\n" +
            "  {\"lat\": 52.6}\n]"))
            .hasMessage("route.json line 3: waypoint 2 has no lon");
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[\n  {\"lat\": 52.5, \"lon\": 13.4, \"altitude\": 5}\n]"))
            .hasMessageStartingWith("route.json line 2: waypoint 1: unknown field \"altitude\"");
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[\n  {\"lat\": \"52.5\", \"lon\": 13.4}\n]"))
            .hasMessage("route.json line 2: waypoint 1: lat must be a number, got \"52.5\"");
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[\n  {\"lat\": 52.5, \"lon\": 13.4},\n  {\"lat\" 1}\n]"))
            .hasMessageStartingWith("route.json line 3: not valid JSON");
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[]"))
            .hasMessage("route.json: no waypoints (a mission needs at least one)");
    }

    @Test
    void shouldRefuseAWaypointTheGatewayWouldRefuseWithItsLine()
    {
        assertThatThrownBy(() -> MissionFile.parse("route.csv", "lat,lon,alt\n52.5,13.4,60\n52.6,13.4,1200\n"))
            .hasMessage("route.csv line 3: waypoint 2: alt 1200 is outside 1..500 m above home");
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[\n  {\"lat\": 52.5, \"lon\": 13.4, \"speed\": -1}\n]"))
            .hasMessage("route.json line 2: waypoint 1: speed -1 is outside 1..60 m/s");
        assertThatThrownBy(() -> MissionFile.parse("route.json", "[\n  {\"lat\": 52.5, \"lon\": 13.4, \"holdS\": 4000}\n]"))
            .hasMessage("route.json line 2: waypoint 1: holdS 4000 is outside 0..3600 s");
        assertThatThrownBy(() -> MissionFile.parse("route.geojson",
            "{\"type\":\"LineString\",\"coordinates\":[[13.4,52.5,0],[13.41,52.51]]}"))
            .as("a GeoJSON elevation of 0 is no height above home").hasMessageContaining("waypoint 1: alt 0 is outside");
    }

    @Test
    void shouldRefuseAMissionLongerThanTheContractAllows()
    {
        final StringBuilder csv = new StringBuilder("lat,lon\n");
        for (int i = 0; i < CommandLimits.MAX_WAYPOINTS; i++)
        {
            csv.append("52.5,13.4\n");
        }
        assertThat(MissionFile.parse("route.csv", csv.toString())).hasSize(CommandLimits.MAX_WAYPOINTS);

        csv.append("52.5,13.4\n");
        assertThatThrownBy(() -> MissionFile.parse("route.csv", csv.toString()))
            .hasMessage("route.csv line " + (CommandLimits.MAX_WAYPOINTS + 2) + ": waypoint " +
                (CommandLimits.MAX_WAYPOINTS + 1) + ": a mission has at most " + CommandLimits.MAX_WAYPOINTS + " waypoints");
    }

    @Test
    void shouldRefuseGeoJsonThatIsNotARoute()
    {
        assertThatThrownBy(() -> MissionFile.parse("area.geojson", """
            {"type": "FeatureCollection", "features": [
              {"type": "Feature", "properties": {},
               "geometry": {"type": "Polygon", "coordinates": [[[13.4, 52.5], [13.5, 52.5], [13.5, 52.6], [13.4, 52.5]]]}}
            ]}
            """)).hasMessage("area.geojson line 3: a Polygon cannot be a mission: use a LineString, a MultiPoint or Points");
        assertThatThrownBy(() -> MissionFile.parse("route.geojson", """
            {"type": "LineString", "coordinates": [
              [13.4, 52.5],
              [52.6, 113.5]
            ]}
            """)).as("a position written lat first")
            .hasMessage("route.geojson line 3: waypoint 2: latitude 113.5 is outside -90..90 (are lat and lon swapped?)");
    }

    @Test
    void shouldSendTheWaypointsOfEachFormatInTheMissionCommand() throws Exception
    {
        try (FakeGateway gateway = new FakeGateway())
        {
            gateway.answer("POST", "/api/v1/commands", 202, Contract.command("m1", 7, "mission", null, "issued").toString());
            final Path csv = Files.writeString(dir.resolve("route.csv"), "lat,lon,alt\n52.5,13.4,60\n52.51,13.41,\n");
            final Path geoJson = Files.writeString(dir.resolve("route.geojson"), "{\"type\":\"LineString\"," +
                "\"coordinates\":[[13.4,52.5,60],[13.41,52.51]]}");
            final Path json = Files.writeString(dir.resolve("route.json"), "{\"waypoints\":[{\"lat\":52.5,\"lon\":13.4," +
                "\"alt\":60},{\"lat\":52.51,\"lon\":13.41}]}");
            for (final Path file : new Path[]{csv, geoJson, json})
            {
                final Cli.Result result = Cli.run("mission", "7", "--file", file.toString(), "--server", gateway.url());
                assertThat(result.exit()).as(result.err()).isZero();
                assertThat(gateway.last("POST", "/api/v1/commands").body()).as(file.getFileName().toString()).isEqualTo(
                    "{\"droneId\":7,\"type\":\"mission\",\"waypoints\":[{\"lat\":52.5,\"lon\":13.4,\"alt\":60.0}," +
                        "{\"lat\":52.51,\"lon\":13.41}]}");
            }
        }
    }

    @Test
    void shouldExit2WithTheLineAndSendNothingForABadMissionFile() throws Exception
    {
        try (FakeGateway gateway = new FakeGateway())
        {
            final Path bad = Files.writeString(dir.resolve("route.csv"), "lat,lon\n52.5,13.4\n52.6,x\n");

            final Cli.Result result = Cli.run("mission", "7", "--file", bad.toString(), "--server", gateway.url());
            final Cli.Result missing = Cli.run("mission", "7", "--file", dir.resolve("nope.json").toString(),
                "--server", gateway.url());

            assertThat(result.exit()).isEqualTo(2);
            assertThat(result.err()).contains("route.csv line 3: lon 'x' is not a number", "see: odyssey-cli mission --help");
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err()).contains("cannot read mission file");
            assertThat(gateway.requests).isEmpty();
        }
    }
}
