package io.odyssey.drill;

import io.odyssey.journal.JournalLayout;
import io.odyssey.stack.LocalStack;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The books of one drill's window: what the drones sent against what the ingest nodes accepted and refused, and what
 * the ingest nodes journaled against what reached the archive.
 * <p>
 * <b>Frames.</b> Every drone numbers each telemetry frame it builds (1, 2, 3, ...; a restarted simulator starts again, a
 * new <em>incarnation</em>). So for each drone the frames it built in the window are the numbers from the first to the
 * last frame any node journaled (accepted, or refused into quarantine), per incarnation, and a number missing in
 * between is a frame that reached no node. The books balance when
 * <pre>
 *   built = accepted + refused + dropped by the simulator (counted by cause, never sent) + lost in flight
 * </pre>
 * where a frame is <em>lost in flight</em> only when it provably went to a node that was killed: the drone's frame
 * before the gap was journaled by that node at or before the kill, the frame after the gap after it. Any other missing
 * frame is unexplained, and unexplained frames beyond what the counters explain fail the drill: the simulator's own
 * drop count (never sent), and the refused frames the nodes counted but did not journal because the quarantine budget
 * for their cause was spent ({@link QuarantineSkips}: the drills run ingest with the production budget, so a burst of
 * refusals, such as replays after a failover, leaves most of them as a count without drone or sequence). "Refused" is
 * the refused frames journaled plus those past the budget; "sent" is built minus dropped by the simulator. (Frames the
 * simulator's publication still held for the killed node, within Aeron's flow-control window, reach that node when it
 * returns: accepted there, late.)
 * <p>
 * <b>Journal = archive.</b> Once every archiver has committed past what its node had journaled when recovery was
 * declared, one database snapshot (the archivers' committed positions and the rows, read in one REPEATABLE READ
 * transaction) is compared with the journals up to those positions: every telemetry entry of the window is exactly one
 * row (drone, sequence, journal index), every alert entry one row (source, index), every command transition journaled
 * is in {@code command_transitions} with the same state and time, and the archive holds nothing the journals do not.
 */
final class Accounting
{
    /**
     * A kill of ingest node {@code node} (1-based): SIGKILL was sent at {@code fromNanos} and the process was gone by
     * {@code toNanos} (epoch); frames it journaled in between were received before it died.
     */
    record Kill(int node, long fromNanos, long toNanos)
    {
    }

    /** The frames' books, with a few of the gaps no kill explains (and the longest that one does) as evidence. */
    record Frames(int drones, long built, long accepted, long refused, long droppedBySimulator,
        Map<String, Long> refusedPastBudget, Map<Integer, Long> lostInFlight, long unexplained, long duplicates,
        long longestFailoverMs, List<String> examples)
    {
        /** Refused frames counted but not journaled (the quarantine budget), every reason. */
        long refusedPastBudgetTotal()
        {
            return QuarantineSkips.total(refusedPastBudget);
        }

        /** Every refused frame: journaled, or past the quarantine budget and only counted. */
        long refusedTotal()
        {
            return refused + refusedPastBudgetTotal();
        }

        long lostInFlightTotal()
        {
            return lostInFlight.values().stream().mapToLong(Long::longValue).sum();
        }

        long sent()
        {
            return built - droppedBySimulator;
        }

        /**
         * A missing frame can be one the simulator dropped or one refused past the budget (neither leaves a journal
         * entry; both are counted): more missing frames than the two counts is a frame lost.
         */
        boolean balances()
        {
            return duplicates == 0 && unexplained <= droppedBySimulator + refusedPastBudgetTotal();
        }

        String describe()
        {
            final StringBuilder lost = new StringBuilder();
            lostInFlight.forEach((node, n) -> lost.append(" + lost in flight to killed edge-ingest-").append(node)
                .append(' ').append(n).append(" (longest failover ").append(longestFailoverMs).append(" ms)"));
            return String.format(Locale.ROOT, "%d drones: built %d = accepted %d + refused and journaled %d%s + " +
                "missing %d (at most: dropped by the simulator before sending %d + refused past the quarantine budget, " +
                "counted but not journaled, %d %s); refused %d; sent %d; duplicates %d%s", drones, built, accepted,
                refused, lost, unexplained, droppedBySimulator, refusedPastBudgetTotal(), refusedPastBudget,
                refusedTotal(), sent(), duplicates, examples.isEmpty() ? "" : "; gaps: " + String.join("; ", examples));
        }
    }

    /** The archive's books: what the journals hold (in the window, up to the committed positions) against the rows. */
    record Archive(long telemetryJournaled, long telemetryRows, long telemetryMissing, long telemetryExtra,
        long alertsJournaled, long alertRows, long alertsMissing, long alertsExtra,
        long transitionsJournaled, long transitionsMissing, long transitionsDiffering, long transitionRowsExtra,
        long unreadableJournalEntries)
    {
        boolean balances()
        {
            return telemetryMissing == 0 && telemetryExtra == 0 && telemetryJournaled == telemetryRows &&
                alertsMissing == 0 && alertsExtra == 0 && alertsJournaled == alertRows &&
                transitionsMissing == 0 && transitionsDiffering == 0 && transitionRowsExtra == 0;
        }

        String describe()
        {
            return String.format(Locale.ROOT, "telemetry: %d journaled, %d rows, %d missing, %d not journaled; " +
                "alerts: %d journaled, %d rows, %d missing, %d not journaled; command transitions: %d journaled, " +
                "%d missing, %d differing, %d rows not journaled; unreadable journal entries %d",
                telemetryJournaled, telemetryRows, telemetryMissing, telemetryExtra, alertsJournaled, alertRows,
                alertsMissing, alertsExtra, transitionsJournaled, transitionsMissing, transitionsDiffering,
                transitionRowsExtra, unreadableJournalEntries);
        }
    }

    private final LocalStack stack;
    private final long startNanos;
    private final Map<String, Long> startIndex = new HashMap<>();
    private final List<Kill> kills = new ArrayList<>();
    private final List<Long> simulatorRestarts = new ArrayList<>();
    private final QuarantineSkips skips;

    private Accounting(final LocalStack stack)
    {
        this.stack = stack;
        for (int node = 1; node <= stack.ingestNodes(); node++)
        {
            for (final String queue : List.of(JournalLayout.TELEMETRY, JournalLayout.QUARANTINE, JournalLayout.ALERTS,
                JournalLayout.COMMANDS))
            {
                startIndex.put(node + "/" + queue, Journals.lastIndex(stack.journalDir(node), queue));
            }
        }
        // Between the journals' ends and the window's start time, like the journals' own bounds.
        this.skips = new QuarantineSkips(stack.ingestNodes(), node -> stack.metrics("edge-ingest-" + node));
        // After reading the journals' ends: anything received from here on has a higher index.
        this.startNanos = epochNanos(Instant.now()) + 1_000_000;
    }

    /** Opens the books: the window starts now. */
    static Accounting open(final LocalStack stack)
    {
        return new Accounting(stack);
    }

    long startNanos()
    {
        return startNanos;
    }

    /**
     * Ingest node {@code node} is about to be killed: what its process counted in the window (the refused frames past
     * the quarantine budget) is read now, as a SIGKILL takes the counters along. Call right before the kill.
     */
    void ingestKilling(final int node)
    {
        skips.processEnds(node);
    }

    /** The refused frames the nodes counted but did not journal in the window so far. */
    QuarantineSkips skips()
    {
        return skips;
    }

    void ingestKilled(final int node, final long fromNanos, final long toNanos)
    {
        kills.add(new Kill(node, fromNanos, toNanos));
    }

    void simulatorRestarted(final long atNanos)
    {
        simulatorRestarts.add(atNanos);
    }

    /** Every frame ingest node {@code node} journaled (accepted or refused) since the window opened, oldest first. */
    void scan(final int node, final java.util.function.Consumer<Journals.Frame> each)
    {
        Journals.telemetry(stack.journalDir(node), startIndex.get(node + "/" + JournalLayout.TELEMETRY), Long.MAX_VALUE, each);
        Journals.quarantine(stack.journalDir(node), startIndex.get(node + "/" + JournalLayout.QUARANTINE), Long.MAX_VALUE, each);
    }

    /** One frame of a drone as a node journaled it: its sequence, when and by which node, accepted or refused. */
    record Seen(long sequence, long atNanos, int node, boolean accepted)
    {
    }

    /** The frames of drones {@code firstId..lastId} journaled in the window so far. */
    Frames frames(final long firstId, final long lastId, final long droppedBySimulator)
    {
        final Map<Long, List<Seen>> byDrone = new HashMap<>();
        for (int node = 1; node <= stack.ingestNodes(); node++)
        {
            final int n = node;
            scan(node, frame ->
            {
                if (frame.droneId() >= firstId && frame.droneId() <= lastId && frame.receivedAtNanos() >= startNanos)
                {
                    byDrone.computeIfAbsent(frame.droneId(), id -> new ArrayList<>())
                        .add(new Seen(frame.sequence(), frame.receivedAtNanos(), n, frame.accepted()));
                }
            });
        }
        final Frames frames = tally(byDrone, kills, simulatorRestarts, droppedBySimulator, skips.byReason());
        frames.examples().addAll(skips.notes());
        return frames;
    }

    /**
     * The books from each drone's journaled frames: per incarnation (split at the simulator's restarts), the frames
     * built are its sequence numbers from first to last, and each missing number is lost in flight to a killed node
     * when the frame before it went to that node before the kill and the frame after it came after, else unexplained.
     */
    static Frames tally(final Map<Long, List<Seen>> byDrone, final List<Kill> kills, final List<Long> simulatorRestarts,
        final long droppedBySimulator, final Map<String, Long> refusedPastBudget)
    {
        long built = 0;
        long accepted = 0;
        long refused = 0;
        long unexplained = 0;
        long duplicates = 0;
        long longestFailoverNs = 0;
        String longestFailover = null;
        final List<String> examples = new ArrayList<>();
        final Map<Integer, Long> lost = new LinkedHashMap<>();
        for (final Map.Entry<Long, List<Seen>> drone : byDrone.entrySet())
        {
            final List<Seen> seen = drone.getValue();
            final Map<Long, List<Seen>> incarnations = new HashMap<>();
            for (final Seen s : seen)
            {
                final long incarnation = simulatorRestarts.stream().filter(restart -> restart <= s.atNanos()).count();
                incarnations.computeIfAbsent(incarnation, i -> new ArrayList<>()).add(s);
                if (s.accepted())
                {
                    accepted++;
                }
                else
                {
                    refused++;
                }
            }
            for (final List<Seen> frames : incarnations.values())
            {
                frames.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
                long runStart = frames.get(0).sequence();
                for (int i = 1; i < frames.size(); i++)
                {
                    final Seen before = frames.get(i - 1);
                    final Seen after = frames.get(i);
                    final long gap = after.sequence() - before.sequence() - 1;
                    if (gap > plausibleGap(before, after))
                    {
                        // A new count: a restarted simulator starts its drones' sequences from its boot time (in ms),
                        // far beyond what any drone could have sent between the two frames. What a frame's arrival
                        // time alone assigns to an incarnation is not enough (the restart is timed from the outside).
                        built += before.sequence() - runStart + 1;
                        runStart = after.sequence();
                        continue;
                    }
                    if (gap < 0)
                    {
                        // The same frame journaled twice: counted, and as one more frame so the sum still holds.
                        duplicates++;
                        built++;
                        continue;
                    }
                    if (gap == 0)
                    {
                        continue;
                    }
                    final Kill kill = kills.stream().filter(k -> k.node() == before.node() &&
                        before.atNanos() <= k.toNanos() && after.atNanos() >= k.fromNanos()).findFirst().orElse(null);
                    final String example = String.format(Locale.ROOT, "drone %d lost %d after seq %d (node %d) " +
                        "before seq %d (node %d, %d ms later)", drone.getKey(), gap, before.sequence(), before.node(),
                        after.sequence(), after.node(), (after.atNanos() - before.atNanos()) / 1_000_000);
                    if (kill == null)
                    {
                        unexplained += gap;
                        if (examples.size() < 3)
                        {
                            examples.add(example);
                        }
                    }
                    else
                    {
                        lost.merge(kill.node(), gap, Long::sum);
                        // Failover: the drone heard again by another node. (Frames the sender still held for the dead
                        // node reach it when it returns, late but accepted: not a failover.)
                        if (after.node() != kill.node() && after.atNanos() - kill.fromNanos() > longestFailoverNs)
                        {
                            longestFailoverNs = after.atNanos() - kill.fromNanos();
                            longestFailover = example;
                        }
                    }
                }
                built += frames.get(frames.size() - 1).sequence() - runStart + 1;
            }
        }
        if (longestFailover != null)
        {
            examples.add("longest across a kill: " + longestFailover);
        }
        return new Frames(byDrone.size(), built, accepted, refused, droppedBySimulator,
            new java.util.TreeMap<>(refusedPastBudget), lost, unexplained, duplicates, longestFailoverNs / 1_000_000, examples);
    }

    /** Telemetry rate no drone exceeds (the simulator's own limit is 100 Hz), with a margin. */
    private static final long MAX_FRAMES_PER_SECOND = 1_000;

    /** The most frames a drone could have built between two of its frames, from the time between their arrivals. */
    static long plausibleGap(final Seen before, final Seen after)
    {
        final long elapsedMs = Math.abs(after.atNanos() - before.atNanos()) / 1_000_000;
        return MAX_FRAMES_PER_SECOND + MAX_FRAMES_PER_SECOND * elapsedMs / 1_000;
    }

    /**
     * Waits until every archiver has committed what its node had journaled by now, then compares the journals with the
     * archive. Returns null (after saying why) when the archivers did not catch up within the bound.
     */
    Archive archive(final Duration catchUpWithin, final DrillReport report) throws Exception
    {
        final Map<String, Long> target = new HashMap<>();
        for (int node = 1; node <= stack.ingestNodes(); node++)
        {
            target.put(LocalStack.archiverName(node), Journals.lastIndex(stack.journalDir(node), JournalLayout.TELEMETRY));
            target.put(LocalStack.archiverName(node) + ":" + JournalLayout.ALERTS,
                Journals.lastIndex(stack.journalDir(node), JournalLayout.ALERTS));
            target.put(LocalStack.archiverName(node) + ":" + JournalLayout.COMMANDS,
                Journals.lastIndex(stack.journalDir(node), JournalLayout.COMMANDS));
        }
        final long caughtUpMs = Waits.until(catchUpWithin, Duration.ofMillis(500), () ->
        {
            final Map<String, Long> committed = positions();
            return target.entrySet().stream().allMatch(t -> committed.getOrDefault(t.getKey(), -1L) >= t.getValue());
        });
        if (caughtUpMs < 0)
        {
            report.say("the archivers did not commit what was journaled within " + catchUpWithin.toSeconds() +
                " s: committed " + positions() + ", journaled " + target);
            return null;
        }
        report.count("archive caught up ms", caughtUpMs);

        final long startMicros = Math.floorDiv(startNanos, 1_000L);
        final Map<String, Long> committed;
        final Set<List<Long>> telemetryRows = new HashSet<>();
        long telemetryRowCount = 0;
        final Set<List<Object>> alertRows = new HashSet<>();
        final Map<List<Object>, List<Object>> transitionRows = new HashMap<>();
        final Set<List<Object>> transitionRowKeys = new HashSet<>();
        try (Connection db = ArchiveDatabase.connect(stack))
        {
            db.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            db.setAutoCommit(false);
            committed = positions(db);
            try (PreparedStatement sql = db.prepareStatement("SELECT drone_id, seq, journal_index FROM telemetry " +
                "WHERE received_at >= ? AND time >= ?"))
            {
                sql.setTimestamp(1, timestamp(startMicros));
                // The frame's own time is within milliseconds of its receipt here; the bound only lets partitions be skipped.
                sql.setTimestamp(2, timestamp(startMicros - 3_600_000_000L));
                try (ResultSet rows = sql.executeQuery())
                {
                    while (rows.next())
                    {
                        telemetryRowCount++;
                        telemetryRows.add(List.of(rows.getLong(1), rows.getLong(2), rows.getLong(3)));
                    }
                }
            }
            try (Statement sql = db.createStatement();
                ResultSet rows = sql.executeQuery("SELECT source, journal_index FROM alert_events"))
            {
                while (rows.next())
                {
                    alertRows.add(List.of(rows.getString(1), rows.getLong(2)));
                }
            }
            try (Statement sql = db.createStatement(); ResultSet rows = sql.executeQuery(
                "SELECT command_id, seq, state, time, source, journal_index FROM command_transitions"))
            {
                while (rows.next())
                {
                    transitionRows.put(List.of(String.valueOf(rows.getLong(1)), rows.getLong(2)),
                        List.of(rows.getString(3), micros(rows.getTimestamp(4))));
                    transitionRowKeys.add(List.of(rows.getString(5), rows.getLong(6)));
                }
            }
            db.commit();
        }

        long telemetryJournaled = 0;
        long telemetryMissing = 0;
        final Set<List<Long>> journaled = new HashSet<>();
        long alertsJournaled = 0;
        long alertsMissing = 0;
        long alertRowsInWindow = 0;
        long alertsExtra = 0;
        long transitionsJournaled = 0;
        long transitionsMissing = 0;
        long transitionsDiffering = 0;
        long transitionRowsExtra = 0;
        final long[] unreadable = new long[1];
        for (int node = 1; node <= stack.ingestNodes(); node++)
        {
            final Path root = stack.journalDir(node);
            final String name = LocalStack.archiverName(node);
            final long[] counts = new long[2];
            Journals.telemetry(root, startIndex.get(node + "/" + JournalLayout.TELEMETRY), committed.getOrDefault(name, -1L), frame ->
            {
                if (Math.floorDiv(frame.receivedAtNanos(), 1_000L) >= startMicros)
                {
                    counts[0]++;
                    final List<Long> key = List.of(frame.droneId(), frame.sequence(), frame.index());
                    journaled.add(key);
                    if (!telemetryRows.contains(key))
                    {
                        counts[1]++;
                    }
                }
            });
            telemetryJournaled += counts[0];
            telemetryMissing += counts[1];

            final long alertsAfter = startIndex.get(node + "/" + JournalLayout.ALERTS);
            final long alertsUpTo = committed.getOrDefault(name + ":" + JournalLayout.ALERTS, -1L);
            final Set<Long> alertIndices = new HashSet<>();
            Journals.alerts(root, alertsAfter, alertsUpTo, alertIndices::add);
            alertsJournaled += alertIndices.size();
            for (final long index : alertIndices)
            {
                if (!alertRows.contains(List.of(name, index)))
                {
                    alertsMissing++;
                }
            }
            for (final List<Object> row : alertRows)
            {
                final long index = (Long)row.get(1);
                if (name.equals(row.get(0)) && index > alertsAfter && index <= alertsUpTo)
                {
                    alertRowsInWindow++;
                    if (!alertIndices.contains(index))
                    {
                        alertsExtra++;
                    }
                }
            }

            final long commandsAfter = startIndex.get(node + "/" + JournalLayout.COMMANDS);
            final long commandsUpTo = committed.getOrDefault(name + ":" + JournalLayout.COMMANDS, -1L);
            final Set<Long> transitionIndices = new HashSet<>();
            final long[] transitionCounts = new long[3];
            Journals.commands(root, commandsAfter, commandsUpTo, transition ->
            {
                transitionIndices.add(transition.index());
                if (transition.commandId() == null)
                {
                    unreadable[0]++;
                    return;
                }
                transitionCounts[0]++;
                final List<Object> row = transitionRows.get(List.of(transition.commandId(), transition.seq()));
                if (row == null)
                {
                    transitionCounts[1]++;
                }
                else if (!row.equals(List.of(transition.state(), Math.floorDiv(transition.atNanos(), 1_000L))))
                {
                    transitionCounts[2]++;
                }
            });
            transitionsJournaled += transitionCounts[0];
            transitionsMissing += transitionCounts[1];
            transitionsDiffering += transitionCounts[2];
            for (final List<Object> key : transitionRowKeys)
            {
                final long index = (Long)key.get(1);
                if (name.equals(key.get(0)) && index > commandsAfter && index <= commandsUpTo &&
                    !transitionIndices.contains(index))
                {
                    transitionRowsExtra++;
                }
            }
        }
        long telemetryExtra = 0;
        for (final List<Long> row : telemetryRows)
        {
            if (!journaled.contains(row))
            {
                telemetryExtra++;
            }
        }
        return new Archive(telemetryJournaled, telemetryRowCount, telemetryMissing, telemetryExtra, alertsJournaled,
            alertRowsInWindow, alertsMissing, alertsExtra,
            transitionsJournaled, transitionsMissing, transitionsDiffering, transitionRowsExtra, unreadable[0]);
    }

    private Map<String, Long> positions() throws Exception
    {
        try (Connection db = ArchiveDatabase.connect(stack))
        {
            return positions(db);
        }
    }

    private static Map<String, Long> positions(final Connection db) throws Exception
    {
        final Map<String, Long> positions = new HashMap<>();
        try (Statement sql = db.createStatement();
            ResultSet rows = sql.executeQuery("SELECT name, journal_index FROM archiver_position"))
        {
            while (rows.next())
            {
                positions.put(rows.getString(1), rows.getLong(2));
            }
        }
        return positions;
    }

    private static Timestamp timestamp(final long epochMicros)
    {
        return Timestamp.from(Instant.ofEpochSecond(Math.floorDiv(epochMicros, 1_000_000L),
            Math.floorMod(epochMicros, 1_000_000L) * 1_000L));
    }

    private static long micros(final Timestamp timestamp)
    {
        final Instant at = timestamp.toInstant();
        return at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
    }

    static long epochNanos(final Instant at)
    {
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }
}
