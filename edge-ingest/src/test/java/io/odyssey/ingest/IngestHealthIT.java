package io.odyssey.ingest;

import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.odyssey.ingest.GridOutageIT.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Liveness is the ingest thread's progress: a thread stuck inside one duty cycle (here held by a test hook, as a hung
 * disk or a deadlock would hold it) turns {@code /health/live} DOWN once the stall timeout has passed, naming where
 * the thread is, and UP again when it moves on. Readiness knows about the journal before any telemetry arrives.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IngestHealthIT
{
    /** The drones these tests fly, with their keys (ingest verifies every frame). */
    private static final Path KEYS = TestDroneKeys.file(1, 1000);

    @TempDir
    Path journals;

    @Test
    void shouldReportAWedgedIngestThreadOnTheLivenessEndpointAndRecoverWhenItMovesOn() throws Exception
    {
        final TestGrid grid = TestGrid.start("ingest-health-it");
        final HttpClient http = HttpClient.newHttpClient();
        final EdgeIngestConfig config = grid.ingestConfig("ingest-health", 300, journals, KEYS);
        config.livenessTimeoutS = 2;
        final CountDownLatch release = new CountDownLatch(1);
        try (EdgeIngest ingest = EdgeIngest.launch(config))
        {
            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/live").statusCode() == 200);
            // Idle (no telemetry at all) is not wedged: the agent's idle strategy keeps returning to its loop.
            await().during(4, TimeUnit.SECONDS).atMost(20, TimeUnit.SECONDS)
                .until(() -> health(http, ingest, "/health/live").statusCode() == 200);

            ingest.blockAgentUntil(release);

            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/live").statusCode() == 503);
            final HttpResponse<String> live = health(http, ingest, "/health/live");
            assertThat(live.body()).contains("\"agent\":{\"healthy\":false", "has made no progress for",
                "TelemetryIngestAgent.doWork");
            assertThat(health(http, ingest, "/health/ready").statusCode()).as("a wedged node is not ready either")
                .isEqualTo(503);

            release.countDown();
            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/live").statusCode() == 200);
        }
        finally
        {
            release.countDown();
            grid.close();
        }
    }

    @Test
    void shouldTurnReadinessDownAsSoonAsTheJournalCannotBeWrittenBeforeAnyTelemetryArrives() throws Exception
    {
        final TestGrid grid = TestGrid.start("ingest-health-it");
        final HttpClient http = HttpClient.newHttpClient();
        final Path root = journals.resolve("journal");
        final Path away = journals.resolve("journal-away");
        try (EdgeIngest ingest = EdgeIngest.launch(grid.ingestConfig("ingest-health", 300, root, KEYS)))
        {
            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/ready").statusCode() == 200);

            // The journal's volume goes away under the running node (a file where the directory was).
            Files.move(root, away);
            Files.writeString(root, "not a directory");

            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/ready").statusCode() == 503);
            assertThat(health(http, ingest, "/health/ready").body())
                .contains("\"journal\":{\"healthy\":false,\"detail\":\"cannot write " + root + " as user ");
            assertThat(ingest.receivedCount()).as("no telemetry was needed to notice").isZero();
            assertThat(health(http, ingest, "/health/live").statusCode()).as("still live").isEqualTo(200);

            Files.delete(root);
            Files.move(away, root);
            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/ready").statusCode() == 200);
        }
        finally
        {
            grid.close();
        }
    }
}
