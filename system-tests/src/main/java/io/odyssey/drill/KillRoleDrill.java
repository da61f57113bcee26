package io.odyssey.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;
import io.odyssey.stack.RoleProcess;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code kill -9} of one process of a role under load, then the same process started again on the same data: what the
 * user saw meanwhile, how long until everything was back, and the books (frames built = accepted + refused + what was
 * provably in flight to a killed ingest node; journal = archive). An order in flight through the killed ingest node or
 * gateway must still complete, once, with its states in order.
 */
final class KillRoleDrill implements Drill
{
    private static final Duration RECOVERY = Duration.ofSeconds(120);
    private static final List<CommandState> ORDER_STATES = List.of(CommandState.ISSUED, CommandState.SENT,
        CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.COMPLETED);

    private final String module;

    KillRoleDrill(final String module)
    {
        this.module = module;
    }

    public String name()
    {
        return switch (module)
        {
            case "grid-node" -> "kill-grid-member";
            case "edge-ingest" -> "kill-ingest";
            case "ws-gateway" -> "kill-gateway";
            default -> "kill-" + module;
        };
    }

    public String summary()
    {
        return "kill -9 of " + victimName() + " under load, started again after the outage: " + switch (module)
        {
            case "grid-node" -> "no drone state lost (backups promoted), the feed goes on, the member rejoins";
            case "edge-ingest" -> "its drones move to the other node, an order in flight through it still completes once";
            case "ws-gateway" -> "clients reconnect to a full fleet, an order in flight still completes once";
            case "archiver" -> "it catches up from its committed position, nothing archived twice";
            default -> "every drone flies and reports again";
        } + "; the books balance (frames built = accepted + refused + lost in flight to a killed node; journal = archive).";
    }

    private String victimName()
    {
        return switch (module)
        {
            case "grid-node" -> "grid-node-2";
            case "edge-ingest" -> "edge-ingest-1";
            case "archiver" -> "archiver-1";
            default -> module;
        };
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final RoleProcess victim = stack.role(victimName());
        String order = null;
        final Accounting books;
        final double droppedBefore;
        final double droppedAtKill;
        final long killedAtNs;
        try (FleetWatcher watcher = context.watch())
        {
            final long liveMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            if (!report.check("every drone flies before the kill", liveMs >= 0, DrillContext.stuckDrones(watcher, stack.drones())))
            {
                return;
            }
            books = Accounting.open(stack);
            droppedBefore = context.simulatorDropped();
            if (module.equals("edge-ingest") || module.equals("ws-gateway"))
            {
                order = orderInFlight(context, watcher, module.equals("edge-ingest") ? "ingest-1" : null);
            }
            droppedAtKill = module.equals("simulator") ? context.simulatorDropped() : Double.NaN;
            if (module.equals("edge-ingest"))
            {
                // Its counters die with it: what it counted past the quarantine budget is read just before.
                books.ingestKilling(1);
            }
            killedAtNs = System.nanoTime();
            final long killedAt = Accounting.epochNanos(Instant.now());
            victim.kill();
            final long deadAt = Accounting.epochNanos(Instant.now());
            report.say("killed " + victim.name() + " with SIGKILL");
            if (module.equals("edge-ingest"))
            {
                books.ingestKilled(1, killedAt, deadAt);
                final long movedMs = everyDroneHeardBy(watcher, "ingest-2", Duration.ofSeconds(60), stack.drones());
                report.count("failover ms", movedMs);
                report.check("every drone of the killed node moved to ingest-2 and advances", movedMs >= 0,
                    Waits.ms(movedMs));
            }
            else if (module.equals("grid-node"))
            {
                final long keptMs = Waits.until(Duration.ofSeconds(60), () -> everySimulatedDroneInFleet(stack));
                report.check("no drone state was lost: the fleet map still holds every drone", keptMs >= 0, Waits.ms(keptMs));
                final long advancedMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(60));
                report.check("the feed goes on for every drone", advancedMs >= 0, Waits.ms(advancedMs));
            }
            else if (module.equals("simulator"))
            {
                books.simulatorRestarted(killedAt);
            }
            Waits.hold(context.scale().roleOutage());
            victim.start();
            final long upMs = Waits.until(RECOVERY, () -> stack.healthy(victim.name()));
            report.check(victim.name() + " is healthy again after its restart", upMs >= 0, Waits.ms(upMs));
            if (module.equals("simulator") && !Double.isNaN(droppedAtKill))
            {
                report.say("the simulator had dropped " + (long)(droppedAtKill - droppedBefore) + " frames before its kill");
            }
            if (!module.equals("ws-gateway"))
            {
                final long advancedMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(60));
                report.check("every drone advances on the live feed after the restart", advancedMs >= 0,
                    advancedMs >= 0 ? Waits.ms(advancedMs) : DrillContext.stuckDrones(watcher, stack.drones()) +
                        "; frozen drones: " + frozen(watcher, stack.drones()));
            }
        }
        if (module.equals("ws-gateway"))
        {
            try (FleetWatcher watcher = context.watch())
            {
                final long fullMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(60));
                report.check("a client reconnecting gets the whole fleet, advancing", fullMs >= 0, Waits.ms(fullMs));
            }
        }
        if (module.equals("grid-node"))
        {
            final long joinedMs = Waits.until(RECOVERY, () -> stack.roleNames("grid-node").stream().allMatch(member ->
                stack.metric(member, "odyssey_grid_members") == stack.options().gridMembers &&
                    stack.metric(member, "odyssey_grid_cluster_safe") == 1));
            report.check("the member rejoined: every member sees " + stack.options().gridMembers + " and the cluster is safe",
                joinedMs >= 0, Waits.ms(joinedMs));
        }
        if (order != null)
        {
            checkOrderCompleted(context, order);
        }
        report.count("recovered after s", (System.nanoTime() - killedAtNs) / 1_000_000_000);
        // A restarted simulator counts from zero: its drops before the kill, plus the new process's.
        final double droppedAfter = context.simulatorDropped();
        final double dropped = module.equals("simulator") ? droppedAtKill - droppedBefore + droppedAfter :
            droppedAfter - droppedBefore;
        context.checkBooks(books, Double.isNaN(dropped) ? 0 : (long)dropped);
    }

    /**
     * Orders a drone (heard by {@code node}, when given) with no order pending 150 m north and waits until it is on its
     * way.
     */
    private static String orderInFlight(final DrillContext context, final FleetWatcher watcher, final String node)
        throws Exception
    {
        final DrillReport report = context.report();
        final Map.Entry<Long, JsonNode> drone = watcher.drones().entrySet().stream()
            .filter(e -> e.getKey() <= context.stack().drones())
            .filter(e -> node == null || node.equals(e.getValue().path("node").asText()))
            .filter(e -> List.of(DroneStatus.CRUISING.name(), DroneStatus.HOVERING.name()).contains(e.getValue().path("status").asText()) &&
                e.getValue().path("bat").asDouble() > 40)
            .filter(e -> !context.hasActiveCommand(e.getKey()))
            .findFirst().orElse(null);
        if (!report.check("a flying drone with no order pending to order" + (node == null ? "" : " heard by " + node),
            drone != null, ""))
        {
            return null;
        }
        final double lat = drone.getValue().path("lat").asDouble() + 150 / 111_320.0;
        final Http.Response ordered = context.command(context.stack().operatorToken(), "{\"droneId\":" + drone.getKey() +
            ",\"type\":\"goto\",\"lat\":" + lat + ",\"lon\":" + drone.getValue().path("lon").asDouble() + ",\"alt\":50}");
        if (!report.check("an order for drone " + drone.getKey() + " was accepted", ordered.status() == 202, ordered.describe()))
        {
            return null;
        }
        final String id = DrillContext.JSON.readTree(ordered.body()).get("id").asText();
        final long onItsWayMs = Waits.until(Duration.ofSeconds(30), () ->
        {
            return DrillContext.stateOf(context.commandState(id)) == CommandState.IN_PROGRESS;
        });
        report.check("order " + id + " is in progress before the kill", onItsWayMs >= 0, Waits.ms(onItsWayMs) +
            (onItsWayMs >= 0 ? "" : "; " + describe(context.commandState(id))));
        return id;
    }

    private static void checkOrderCompleted(final DrillContext context, final String id) throws Exception
    {
        final long doneMs = Waits.until(Duration.ofSeconds(90), Duration.ofMillis(500), () ->
        {
            final CommandState state = DrillContext.stateOf(context.commandState(id));
            return state != null && state.isFinal();
        });
        final JsonNode command = context.commandState(id);
        final List<CommandState> states = new ArrayList<>();
        if (command != null)
        {
            command.path("transitions").forEach(t -> states.add(DrillContext.stateOf(t)));
        }
        context.report().check("the order in flight completed once, its states in order", doneMs >= 0 &&
            states.equals(ORDER_STATES), describe(command));
    }

    /** A command's path as the ledger tells it: each state with its time since issue, the node, attempts, reason. */
    private static String describe(final JsonNode command)
    {
        if (command == null)
        {
            return "the ledger does not answer for the command";
        }
        final List<String> steps = new ArrayList<>();
        final long issuedNs = command.path("transitions").path(0).path("atNs").asLong();
        command.path("transitions").forEach(t -> steps.add(t.path("state").asText() + " +" +
            (t.path("atNs").asLong() - issuedNs) / 1_000_000 + " ms" +
            (t.path("reason").isNull() ? "" : " (" + t.path("reason").asText() + ")")));
        return "states " + steps + ", node " + command.path("node").asText() + ", attempts " +
            command.path("attempts").asText() + ", reason " + command.path("reason").asText("none");
    }

    private static long everyDroneHeardBy(final FleetWatcher watcher, final String node, final Duration within,
        final int drones) throws InterruptedException
    {
        final Map<Long, Long> before = watcher.sequences();
        return Waits.until(within, () ->
        {
            final Map<Long, JsonNode> now = watcher.drones();
            for (long id = 1; id <= drones; id++)
            {
                final JsonNode drone = now.get(id);
                if (drone == null || !node.equals(drone.path("node").asText()) ||
                    drone.path("seq").asLong() <= before.getOrDefault(id, -1L))
                {
                    return false;
                }
            }
            return true;
        });
    }

    /** Every simulated drone is in the fleet map, as the gateway's REST view of it shows. */
    static boolean everySimulatedDroneInFleet(final LocalStack stack) throws Exception
    {
        final Http.Response fleet = stack.http().get(stack.gatewayUrl("/api/v1/drones?limit=100000"), stack.viewerToken(),
            DrillContext.REQUEST_TIMEOUT);
        if (fleet.status() != 200)
        {
            return false;
        }
        final java.util.Set<Long> ids = new java.util.HashSet<>();
        DrillContext.JSON.readTree(fleet.body()).path("drones").forEach(d -> ids.add(d.path("id").asLong()));
        for (long id = 1; id <= stack.drones(); id++)
        {
            if (!ids.contains(id))
            {
                return false;
            }
        }
        return true;
    }

    private static String frozen(final FleetWatcher watcher, final int drones)
    {
        final List<String> sample = new ArrayList<>();
        final Map<Long, JsonNode> now = watcher.drones();
        for (long id = 1; id <= drones && sample.size() < 3; id++)
        {
            final JsonNode drone = now.get(id);
            if (drone != null)
            {
                sample.add(id + " at seq " + drone.path("seq").asLong());
            }
        }
        return String.join(", ", sample);
    }
}
