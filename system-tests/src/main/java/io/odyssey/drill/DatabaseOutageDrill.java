package io.odyssey.drill;

import io.odyssey.archiver.LocalPostgres;
import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The archive database stops under load (PostgreSQL shut down, as a failover or a crash looks to its clients) and
 * comes back after a while. Live flight, commands and the API must not notice; the archivers must say the database is
 * down, the history API must answer 503 at once rather than hang, and after the database returns the archivers must
 * catch up from the journals with nothing missing and nothing twice.
 */
final class DatabaseOutageDrill implements Drill
{
    private static final Duration RECOVERY = Duration.ofSeconds(120);
    /** History gives up on a database that does not answer after its pool's connection timeout (3 s) and says so. */
    private static final long HISTORY_REFUSAL_BOUND_MS = 5_000;

    public String name()
    {
        return "db-outage";
    }

    public String summary()
    {
        return "The archive's PostgreSQL stopped under load and started again: live feed, commands, REST and health " +
            "unaffected; archivers report the database DOWN; history answers 503 within " + HISTORY_REFUSAL_BOUND_MS +
            " ms; after the restart the archivers catch up and journal = archive.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final LocalPostgres postgres = stack.postgres();
        if (!report.check("the stack archives into the machine's PostgreSQL, which the drill can stop", postgres != null, ""))
        {
            return;
        }
        final List<String> archivers = stack.roleNames("archiver");
        final String history = "/api/v1/history/drones/1/track?from=" + Instant.now().minusSeconds(600) + "&to=" +
            Instant.now();
        try (FleetWatcher watcher = context.watch())
        {
            context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            final Accounting books = Accounting.open(stack);
            final double droppedBefore = context.simulatorDropped();
            final long outageStartNs = System.nanoTime();
            try (ServiceProbe probe = ServiceProbe.start(stack))
            {
                postgres.stopServer();
                report.say("PostgreSQL stopped");
                final long noticedMs = Waits.until(Duration.ofSeconds(60), () -> archivers.stream().allMatch(archiver ->
                {
                    final Http.Response health = stack.health(archiver);
                    return health.status() == 503 && health.body().contains("database");
                }));
                report.check("every archiver reports the database DOWN", noticedMs >= 0, Waits.ms(noticedMs));
                final Http.Response during = stack.http().get(stack.gatewayUrl(history), stack.viewerToken(),
                    DrillContext.REQUEST_TIMEOUT);
                report.check("history answers 503 within " + HISTORY_REFUSAL_BOUND_MS + " ms while the database is down",
                    during.status() == 503 && during.elapsedMs() <= HISTORY_REFUSAL_BOUND_MS,
                    during.describe() + " " + PoisonEntryDrill.abbreviate(during.body()));
                final Http.Response gatewayHealth = stack.health(LocalStack.GATEWAY);
                report.check("the gateway's health shows the history database DOWN", hasFailingCheck(gatewayHealth.body()),
                    gatewayHealth.describe() + " " + PoisonEntryDrill.abbreviate(gatewayHealth.body()));
                final Http.Response command = context.command(stack.operatorToken(),
                    "{\"droneId\":3,\"type\":\"set-speed\",\"speed\":12}");
                report.check("commands are accepted while the database is down", command.status() == 202, command.describe());
                final long flyingMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
                report.check("every drone advances on the live feed while the database is down", flyingMs >= 0,
                    Waits.ms(flyingMs));
                final long left = context.scale().databaseOutage().toMillis() - (System.nanoTime() - outageStartNs) / 1_000_000;
                Waits.hold(Duration.ofMillis(Math.max(0, left)));
                probe.close();
                probe.check(report, "during the outage", DrillContext.ANSWER_BOUND_MS);
            }
            finally
            {
                postgres.startServer();
            }
            final long outageMs = (System.nanoTime() - outageStartNs) / 1_000_000;
            report.say("PostgreSQL started again after " + Waits.ms(outageMs));
            report.count("outage s", outageMs / 1000);
            final long archiversUpMs = Waits.until(RECOVERY, () -> archivers.stream().allMatch(stack::healthy));
            report.count("archivers healthy after ms", archiversUpMs);
            report.check("every archiver is healthy again", archiversUpMs >= 0, Waits.ms(archiversUpMs));
            final long historyMs = Waits.until(Duration.ofSeconds(30), () ->
                stack.http().get(stack.gatewayUrl(history), stack.viewerToken(), DrillContext.REQUEST_TIMEOUT).status() == 200);
            report.check("history answers again", historyMs >= 0, Waits.ms(historyMs));
            final double droppedAfter = context.simulatorDropped();
            context.checkBooks(books, (long)(droppedAfter - droppedBefore));
        }
    }

    /** Whether a /health answer names a check that is not healthy (whether or not it counts against readiness). */
    private static boolean hasFailingCheck(final String health)
    {
        try
        {
            for (final com.fasterxml.jackson.databind.JsonNode check : DrillContext.JSON.readTree(health).path("checks"))
            {
                if (!check.path("healthy").asBoolean(true))
                {
                    return true;
                }
            }
            return false;
        }
        catch (final Exception ex)
        {
            return false;
        }
    }
}
