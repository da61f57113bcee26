package io.odyssey.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.codecs.CommandState;
import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** What a drill works with: the running stack, the scale, its report, and the checks several drills share. */
public final class DrillContext
{
    static final ObjectMapper JSON = new ObjectMapper();
    /** A user-facing answer slower than this during a fault is a failure (a loaded two-core machine included). */
    static final long ANSWER_BOUND_MS = 3_000;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The live feed may pause this long when a fault is played (a loaded two-core machine included); a wedged gateway
     * pauses it for good.
     */
    static final long FEED_PAUSE_BOUND_MS = 10_000;

    private final LocalStack stack;
    private final Scale scale;
    private final DrillReport report;
    private final Path out;

    DrillContext(final LocalStack stack, final Scale scale, final DrillReport report, final Path out)
    {
        this.stack = stack;
        this.scale = scale;
        this.report = report;
        this.out = out;
    }

    public LocalStack stack()
    {
        return stack;
    }

    public Scale scale()
    {
        return scale;
    }

    public DrillReport report()
    {
        return report;
    }

    /** The drill's own directory under the results. */
    public Path out()
    {
        return out;
    }

    /** A dashboard-like client of the live feed (a viewer). */
    FleetWatcher watch() throws Exception
    {
        return FleetWatcher.connect(stack.gatewayPort(), stack.viewerToken());
    }

    /**
     * Waits until every simulated drone is in the watcher's view with another sequence than now (newer, or a restarted
     * drone's new count).
     *
     * @return the ms it took, -1 when it did not happen within the bound.
     */
    long everyDroneAdvances(final FleetWatcher watcher, final Duration within) throws InterruptedException
    {
        final Map<Long, Long> before = new HashMap<>(watcher.sequences());
        return Waits.until(within, () ->
        {
            final Map<Long, Long> now = watcher.sequences();
            for (long id = 1; id <= stack.drones(); id++)
            {
                final Long seq = now.get(id);
                if (seq == null || seq.equals(before.get(id)))
                {
                    return false;
                }
            }
            return true;
        });
    }

    /** Checks (and counts) the longest pause of the live feed since the watcher was last asked. */
    boolean checkFeedPauses(final FleetWatcher watcher, final long boundMs)
    {
        final long pauseMs = watcher.takeLongestSilenceMs();
        report.count("feed pause ms", pauseMs);
        return report.check("the live feed never paused for more than " + boundMs / 1000 + " s",
            pauseMs <= boundMs && watcher.closed() == null,
            "longest pause " + pauseMs + " ms" + (watcher.closed() == null ? "" : ", closed: " + watcher.closed()));
    }

    /** The simulated drones the watcher has not seen advance, for a failure's evidence. */
    static String stuckDrones(final FleetWatcher watcher, final int drones)
    {
        final Map<Long, Long> now = watcher.sequences();
        long missing = 0;
        for (long id = 1; id <= drones; id++)
        {
            if (!now.containsKey(id))
            {
                missing++;
            }
        }
        return missing + " of " + drones + " drones not in the live view, " + now.size() + " in it";
    }

    /** Orders one command as operator {@code token}. */
    Http.Response command(final String token, final String json)
    {
        return stack.http().post(stack.gatewayUrl("/api/v1/commands"), token, json, REQUEST_TIMEOUT);
    }

    /** A command as the ledger holds it now, or null. */
    /** Where {@code command} (as {@link #commandState} gives it) stands; null for no command or a state not known. */
    static CommandState stateOf(final JsonNode command)
    {
        return command == null ? null : CommandState.fromWireName(command.path("state").asText());
    }

    JsonNode commandState(final String id)
    {
        final Http.Response response = stack.http().get(stack.gatewayUrl("/api/v1/commands/" + id), stack.viewerToken(),
            REQUEST_TIMEOUT);
        try
        {
            return response.status() == 200 ? JSON.readTree(response.body()) : null;
        }
        catch (final Exception ex)
        {
            return null;
        }
    }

    /**
     * Whether the ledger holds a command for {@code droneId} that is not final yet. Drills that time one order pick a
     * drone without one: an earlier drill's orders (the command flood queues up to the per-drone cap) would run first.
     * True when the ledger does not answer, so such a drone is not picked either.
     */
    boolean hasActiveCommand(final long droneId)
    {
        final Http.Response response = stack.http().get(
            stack.gatewayUrl("/api/v1/commands?droneId=" + droneId + "&active=true&limit=1"), stack.viewerToken(),
            REQUEST_TIMEOUT);
        try
        {
            return response.status() != 200 || !JSON.readTree(response.body()).path("commands").isEmpty();
        }
        catch (final Exception ex)
        {
            return true;
        }
    }

    /** Frames the simulator counted as dropped before sending (every cause), NaN when it does not answer. */
    double simulatorDropped()
    {
        return stack.metric(LocalStack.SIMULATOR, "odyssey_sim_frames_dropped_total");
    }

    /**
     * Closes the books of a window: frames built = accepted + refused (journaled, or counted past the quarantine budget)
     * (+ dropped by the simulator, + lost in flight to a killed node), then journal = archive once the archivers caught
     * up.
     */
    boolean checkBooks(final Accounting books, final long droppedBySimulator) throws Exception
    {
        final Accounting.Frames frames = books.frames(1, stack.drones(), droppedBySimulator);
        report.count("frames built", frames.built());
        report.count("accepted", frames.accepted());
        report.count("refused", frames.refusedTotal());
        report.count("refused past the quarantine budget", frames.refusedPastBudgetTotal());
        report.count("lost in flight", frames.lostInFlightTotal());
        boolean held = report.check("every frame the drones built was accepted, refused (journaled, or counted past " +
            "the quarantine budget), dropped by the simulator (counted) or provably in flight to a killed node",
            frames.balances() && frames.built() > 0, frames.describe());
        final Accounting.Archive archive = books.archive(Duration.ofSeconds(120), report);
        if (archive == null)
        {
            return report.check("the archivers caught up with the journals", false, "see above");
        }
        report.count("archived rows", archive.telemetryRows());
        held &= report.check("journal = archive: every journaled entry archived once, nothing else",
            archive.balances() && archive.telemetryJournaled() > 0, archive.describe());
        return held;
    }
}
