package io.odyssey.drill;

import java.time.Duration;

/**
 * How hard the drills push: {@link #FULL} is what {@code ./odyssey drill} plays (the counts the issue asks for, e.g.
 * 1,500 WebSocket churn cycles), {@link #SMALL} the CI tier that {@code ./odyssey test} runs in a few minutes on two
 * cores. Both play every drill with the same pass conditions; only counts and durations differ.
 *
 * @param gridMembers      grid members in the stack (a rolling restart and a kill need at least two).
 * @param drones           simulated drones, at 10 Hz.
 * @param churnCycles      WebSocket connect/disconnect cycles, split evenly over the three kinds and three endpoints.
 * @param slowBodies       POSTs that announce a body and never send it.
 * @param slowHeaders      connections that send their request headers a byte at a time.
 * @param historyClients   history requests in flight at once.
 * @param historyLoad      how long they keep asking.
 * @param historySeedRows  telemetry rows put in the archive beforehand, spread over the last 30 days.
 * @param flood            how long one operator floods the command API.
 * @param forgedIds        distinct forged (in-range) drone ids flooded over UDP.
 * @param forging          how long the forged ids are flooded.
 * @param droneExpiry      the ingest nodes' ODYSSEY_INGEST_DRONE_EXPIRY_S: how long a silent drone stays in the fleet
 *                         (shorter than the 300 s default, so the forged drones' departure fits in the drill).
 * @param roleOutage       how long a killed role stays dead before it is started again.
 * @param databaseOutage   how long the database stays stopped.
 * @param drillTimeout     the longest one drill may take before it counts as failed.
 */
public record Scale(
    String name,
    int gridMembers,
    int drones,
    int churnCycles,
    int slowBodies,
    int slowHeaders,
    int historyClients,
    Duration historyLoad,
    int historySeedRows,
    Duration flood,
    int forgedIds,
    Duration forging,
    Duration droneExpiry,
    Duration roleOutage,
    Duration databaseOutage,
    Duration drillTimeout)
{
    public static final Scale SMALL = new Scale("small", 2, 40, 300, 8, 40, 6, Duration.ofSeconds(45), 100_000,
        Duration.ofSeconds(5), 200, Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ofSeconds(3), Duration.ofSeconds(15),
        Duration.ofMinutes(6));

    public static final Scale FULL = new Scale("full", 3, 200, 1_500, 16, 300, 12, Duration.ofSeconds(60), 1_000_000,
        Duration.ofSeconds(15), 1_000, Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(120),
        Duration.ofMinutes(15));

    public static Scale named(final String name)
    {
        return switch (name)
        {
            case "small" -> SMALL;
            case "full" -> FULL;
            default -> throw new IllegalArgumentException("--scale is small or full, got '" + name + "'");
        };
    }
}
