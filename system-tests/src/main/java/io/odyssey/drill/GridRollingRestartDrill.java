package io.odyssey.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.codecs.CommandState;
import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;
import io.odyssey.stack.RoleProcess;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An upgrade's rolling restart of the grid: each member in turn stopped with SIGTERM (it leaves gracefully, its
 * partitions migrate), started again, and the cluster allowed to become safe before the next. Every drone's state and
 * every command of the ledger must survive, the live feed must go on, and the books must balance.
 */
final class GridRollingRestartDrill implements Drill
{
    private static final Duration STEP_BOUND = Duration.ofSeconds(120);

    public String name()
    {
        return "grid-rolling-restart";
    }

    public String summary()
    {
        return "Each grid member in turn stopped with SIGTERM and started again, the next only once the cluster is " +
            "safe: every drone and every ledger command survives, the feed goes on, the books balance.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final List<String> members = stack.roleNames("grid-node");
        try (FleetWatcher watcher = context.watch())
        {
            context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            final Accounting books = Accounting.open(stack);
            final double droppedBefore = context.simulatorDropped();
            final Map<String, List<String>> ledger = new LinkedHashMap<>();
            for (long droneId = 1; droneId <= Math.min(5, stack.drones()); droneId++)
            {
                final Http.Response ordered = context.command(stack.operatorToken(),
                    "{\"droneId\":" + droneId + ",\"type\":\"set-speed\",\"speed\":12}");
                if (ordered.status() == 202)
                {
                    ledger.put(DrillContext.JSON.readTree(ordered.body()).get("id").asText(), List.of());
                }
            }
            // Settled commands, so "survived" means the same transitions afterwards.
            Waits.until(Duration.ofSeconds(30), () -> ledger.keySet().stream().allMatch(id ->
            {
                return DrillContext.stateOf(context.commandState(id)) == CommandState.COMPLETED;
            }));
            ledger.replaceAll((id, none) -> transitions(context.commandState(id)));
            report.say("ledger before: " + ledger.size() + " commands " + ledger.keySet());
            watcher.takeLongestSilenceMs();
            for (final String name : members)
            {
                final RoleProcess member = stack.role(name);
                final long stoppedMs = member.stop(60_000);
                report.check(name + " left gracefully on SIGTERM", stoppedMs >= 0,
                    stoppedMs >= 0 ? "in " + stoppedMs + " ms" : "it had to be killed");
                final long keptMs = Waits.until(Duration.ofSeconds(60), () -> KillRoleDrill.everySimulatedDroneInFleet(stack));
                report.check("every drone is still in the fleet map without " + name, keptMs >= 0, Waits.ms(keptMs));
                member.start();
                final long safeMs = Waits.until(STEP_BOUND, () -> members.stream().allMatch(m ->
                    stack.healthy(m) && stack.metric(m, "odyssey_grid_members") == members.size() &&
                        stack.metric(m, "odyssey_grid_cluster_safe") == 1));
                report.check(name + " rejoined and the cluster is safe", safeMs >= 0, Waits.ms(safeMs));
            }
            report.count("members restarted", members.size());
            // Writes to migrating partitions wait while a member leaves: a longer pause than other faults cause.
            context.checkFeedPauses(watcher, 15_000);
            final long advancedMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(60));
            report.check("every drone advances after the restarts", advancedMs >= 0, Waits.ms(advancedMs));
            final List<String> changed = new ArrayList<>();
            for (final Map.Entry<String, List<String>> command : ledger.entrySet())
            {
                final List<String> now = transitions(context.commandState(command.getKey()));
                if (!now.equals(command.getValue()))
                {
                    changed.add(command.getKey() + ": " + command.getValue() + " -> " + now);
                }
            }
            report.count("ledger commands kept", (ledger.size() - changed.size()) + " of " + ledger.size());
            report.check("every ledger command survived with its transitions", !ledger.isEmpty() && changed.isEmpty(),
                changed.isEmpty() ? ledger.size() + " commands" : String.join("; ", changed));
            final Http.Response after = context.command(stack.operatorToken(),
                "{\"droneId\":1,\"type\":\"set-speed\",\"speed\":12}");
            report.check("the ledger takes new commands", after.status() == 202, after.describe());
            context.checkBooks(books, (long)(context.simulatorDropped() - droppedBefore));
        }
    }

    private static List<String> transitions(final JsonNode command)
    {
        final List<String> states = new ArrayList<>();
        if (command != null)
        {
            command.path("transitions").forEach(t -> states.add(t.path("state").asText() + "@" + t.path("atNs").asText()));
        }
        return states;
    }
}
