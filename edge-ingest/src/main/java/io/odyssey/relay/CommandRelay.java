package io.odyssey.relay;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import io.aeron.Aeron;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandStatusDecoder;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.DroneAnswer;
import io.odyssey.journal.CommandJournal;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Carries commands between the ledger and the drones this ingest node hears, on its own thread (blocking grid calls
 * never touch the telemetry hot path). The work is done by named parts, all on that thread:
 * <ul>
 * <li><b>Down</b>, {@link LedgerSweep}: every sweep (and at once when a command is added) it reads the ledger's
 * unfinished commands, and for each whose drone this node hears (the fleet map's {@code ingestNode}) and can reach
 * ({@link CommandLinks}: the response channel the drone opened, else the endpoint its heartbeats advertise) the
 * {@link CommandSender} sends the SBE command frame over Aeron, marks it SENT, and resends it every resend interval
 * until the drone answers. Because the routing is re-decided on every sweep from the fleet map, a drone that moves to
 * another node takes its pending commands with it, and a restarted node picks up where the ledger stands. Commands
 * not delivered by their expiry become EXPIRED (any node may do that: updates are idempotent rules on the partition
 * owner).</li>
 * <li><b>Up</b>, {@link DroneAnswerHandler}: the drone's answers (ACCEPTED, IN_PROGRESS, DONE, ...) arrive through
 * {@link #onCommandStatus} from the ingest agent; they are copied ({@link DroneAnswer}), queued and applied to the
 * ledger here. DONE only records the drone's word; the command becomes COMPLETED when telemetry newer than that word
 * shows the effect ({@link EffectConfirmation}).</li>
 * <li>{@link GeofenceGuard}: drones of this node found where the geofences forbid are ordered home.</li>
 * <li>{@link TransitionRecorder}: every transition this node makes is counted and journaled.</li>
 * </ul>
 */
public final class CommandRelay implements CommandLink, AutoCloseable
{
    /** A drone that said "done" but whose telemetry does not show it within this long: the command failed. */
    public static final long EFFECT_TIMEOUT_NS = EffectConfirmation.EFFECT_TIMEOUT_NS;
    /** A delivered command whose drone nobody has heard for this long has failed. */
    public static final long LOST_CONTACT_NS = TimeUnit.SECONDS.toNanos(30);
    /** How soon a drone's "done" is checked against telemetry again (a 10 Hz drone sends a frame every 100 ms). */
    static final long EFFECT_POLL_MS = 10;
    /** Drone answers waiting for the relay's thread at most; beyond it they are dropped and counted. */
    static final int INBOX_CAPACITY = 100_000;

    /** The ledger's reason for a command that carried no valid authorisation. */
    /** The help of {@code odyssey_ingest_fleet_states_unreadable_total}, one text for each of its readers. */
    public static final String FLEET_STATES_LEFT_OUT_HELP = "Fleet-map states left out of a read because they cannot " +
        "be read or are filed under another drone's key (written into the grid by something else)";
    public static final String UNAUTHORISED_REASON =
        "not authorised: no valid command-key seal (not put in the ledger by a gateway or an ingest node)";
    private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);

    private final CommandLedger ledger;
    private final EpochNanoClock clock;
    private final long sweepMs;
    private final CommandMetrics metrics;
    private final CommandLinks links;
    private final StatusInbox inbox;
    private final RateLimitedLog sweepLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(5));
    private final EffectConfirmation effects;
    private final LedgerSweep sweep;
    private final DroneAnswerHandler answers;
    private final Thread thread;
    private UUID listener;
    private volatile boolean running = true;
    private volatile String lastError;

    public CommandRelay(
        final Aeron aeron, final int streamId, final CommandLedger ledger, final IMap<Long, DroneState> fleet,
        final String nodeId, final EpochNanoClock clock, final long resendMs, final long sweepMs,
        final CommandJournal journal, final CommandMetrics metrics, final GeofenceRecords geofences,
        final String geofenceAction, final String commandControlEndpoint, final int maxCommandLinks,
        final FrameSigner signer)
    {
        this.ledger = ledger;
        this.clock = clock;
        this.sweepMs = sweepMs;
        this.metrics = metrics;
        this.inbox = new StatusInbox(INBOX_CAPACITY, metrics.statusesConflated);
        this.links = new CommandLinks(aeron, streamId, commandControlEndpoint, maxCommandLinks);
        final TransitionRecorder recorder = new TransitionRecorder(ledger, journal, nodeId, metrics);
        // One monotonic clock for the links (the sender stamps their use and the sweep closes idle ones by it) and for
        // every "how long" of the relay: resends, expiries, lost contact, the effect window.
        final NanoClock pacing = SystemNanoClock.INSTANCE;
        effects = new EffectConfirmation(ledger, fleet, metrics.fleetStates, recorder, pacing);
        final GeofenceGuard guard = new GeofenceGuard(geofences, fleet, ledger,
            CommandType.fromWireName(geofenceAction), nodeId, metrics);
        final CommandSender sender = new CommandSender(ledger, links, signer, nodeId, recorder, metrics, pacing);
        sweep = new LedgerSweep(ledger, fleet, nodeId, clock, pacing, TimeUnit.MILLISECONDS.toNanos(resendMs), links, sender,
            effects, guard, recorder, metrics);
        answers = new DroneAnswerHandler(ledger, fleet, nodeId, recorder, effects, metrics);
        thread = new Thread(this::run, "ingest-commands");
        thread.setDaemon(true);
    }

    public CommandRelay start()
    {
        try
        {
            listener = ledger.map().addEntryListener((EntryAddedListener<Long, CommandRecord>)this::onAdded, false);
        }
        catch (final RuntimeException ex)
        {
            // The grid may be away at start: sweeps still find new commands, only a little later.
            LOG.warn("could not listen for new commands yet ({}); sweeping every {} ms", ex.toString(), sweepMs);
        }
        thread.start();
        return this;
    }

    private void onAdded(final EntryEvent<Long, CommandRecord> event)
    {
        inbox.wake();
    }

    public void onLink(final long droneId, final int address, final int port, final long imageId, final String source)
    {
        links.update(droneId, address, port, imageId, source);
    }

    public void onCommandStatus(final CommandStatusDecoder status, final long receivedAtNanos)
    {
        metrics.statusesReceived.increment();
        final DroneAnswer answer = new DroneAnswer(status.droneId(), status.commandId(), receivedAtNanos, status.phase(),
            status.reason(), status.progress(), status.waypointIndex(), CommandType.fromCode(status.commandTypeRaw()),
            status.targetLatitude(), status.targetLongitude(), status.targetAltitude());
        if (!inbox.offer(answer))
        {
            metrics.statusesDropped.increment();
        }
    }

    private void run()
    {
        // Due at once (System.nanoTime() may be below 0).
        long nextSweep = System.nanoTime();
        while (running)
        {
            try
            {
                // While a drone's "done" waits for telemetry to show it, look again soon rather than at the next sweep.
                final boolean wake = inbox.drain(effects.anyAwaiting() ? EFFECT_POLL_MS : Math.max(1, sweepMs),
                    answers::apply);
                final long now = System.nanoTime();
                if (wake || now - nextSweep >= 0)
                {
                    sweep.sweep();
                    nextSweep = now + TimeUnit.MILLISECONDS.toNanos(sweepMs);
                }
                else if (effects.anyAwaiting())
                {
                    effects.checkAwaiting(clock.nanoTime());
                }
                lastError = null;
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
            catch (final RuntimeException ex)
            {
                // Typically the grid being away: the ledger is the source of truth, so the next sweep simply retries.
                lastError = ex.toString();
                metrics.failures.increment();
                if (sweepLog.tryAcquire(System.nanoTime()))
                {
                    LOG.warn("command relay could not reach the ledger; retrying ({} more since the last line): {}",
                        sweepLog.suppressedSinceLast(), ex.toString());
                }
            }
        }
    }

    /** Drones whose command endpoint this node knows. */
    public int linkCount()
    {
        return links.routeCount();
    }

    /** Command frames sent so far on {@code link}: {@code response} (a drone's response channel) or {@code advertised}. */
    public long framesSent(final String link)
    {
        return switch (link)
        {
            case "response" -> metrics.framesSentOnResponseChannels.get();
            case "advertised" -> metrics.framesSentToAdvertised.get();
            default -> throw new IllegalArgumentException("no such link: " + link);
        };
    }

    /** Open command publications (approximate: the relay's thread changes them). */
    public int openPublications()
    {
        return links.openLinks();
    }

    /** The last failure while it keeps failing, null while the relay works. */
    public String lastError()
    {
        return lastError;
    }

    public boolean isRunning()
    {
        return thread.isAlive();
    }

    public void close()
    {
        running = false;
        thread.interrupt();
        try
        {
            thread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (listener != null)
        {
            try
            {
                ledger.map().removeEntryListener(listener);
            }
            catch (final RuntimeException ignored)
            {
                // The grid is going away too.
            }
        }
        links.close();
    }

    /** Counters of the relay, registered on the node's metrics. */
    public static final class CommandMetrics
    {
        private static final String GEOFENCES_REFUSED_HELP = "Geofence records the guard left out, at each read (once a " +
            "second): UNSEALED without a valid command-key seal (written into the grid by something else than a gateway), " +
            "UNREADABLE sealed but not a geofence, OVER_LIMIT left unread because the map holds more records than a " +
            "read looks at (ODYSSEY_GEOFENCES_MAX + 100)";
        private static final String CLOCK_STEPS_HELP = "Steps of this node's wall clock the command relay saw (its wall " +
            "and monotonic clocks parting by more than a second between two sweeps), by direction: resends, expiries " +
            "and lost contact are timed on the monotonic clock, and a step forward is kept out of the expiry of orders " +
            "first seen after it";
        final Counter statusesReceived;
        final Counter statusesDropped;
        final Counter statusesConflated;
        final Counter statusesIgnored;
        final Counter framesSentOnResponseChannels;
        final Counter framesSentToAdvertised;
        final Counter framesNotSent;
        final Counter transitions;
        final Counter failures;
        final Counter geofenceOrders;
        final Counter expired;
        final Counter textRepaired;
        final Counter unauthorised;
        final Counter unreadable;
        /** Ledger records marked active that could not be read, removed by this node's sweep. */
        final Counter retired;
        /** Final ledger records without a valid seal, removed by this node (sweep, or its drone's bound). */
        final Counter unsealedRemoved;
        /** Final records a drone's bound left unread for a later trim (planted by a grid client). */
        final Counter trimDeferred;
        /** Bounds on a drone's final commands that read an unordered batch (a member without KeyOrder). */
        final Counter trimUnordered;
        /** Geofence records the guard left out: no valid seal (planted, altered, or from before seals). */
        final Counter geofencesUnsealed;
        /** Geofence records the guard left out: sealed, but not a geofence this version reads. */
        final Counter geofencesUnreadable;
        /** Geofence records the guard left unread: the map holds more than a read looks at (planted). */
        final Counter geofencesOverLimit;
        /** The fleet-map states the relay's reads leave out (written into the grid by something else). */
        final UnreadableRecords fleetStates;
        /** The same count, also of states the sweep leaves out because they are filed under another drone's key. */
        final Counter fleetStatesLeftOut;
        /** Steps of this node's wall clock the relay saw (against its monotonic clock), forward and back. */
        final Counter clockStepsForward;
        final Counter clockStepsBack;

        public CommandMetrics(final io.odyssey.runtime.Metrics metrics)
        {
            statusesReceived = metrics.counter("odyssey_ingest_command_statuses_total", "Command answers received from drones");
            statusesDropped = metrics.counter("odyssey_ingest_command_statuses_dropped_total",
                "Command answers dropped because the relay's queue was full");
            statusesConflated = metrics.counter("odyssey_ingest_command_statuses_conflated_total",
                "Command progress reports left out because a newer one for the same command was already waiting");
            statusesIgnored = metrics.counter("odyssey_ingest_command_statuses_ignored_total",
                "Command answers that changed nothing (unknown command, already final, out of order)");
            framesSentOnResponseChannels = metrics.counter("odyssey_ingest_command_frames_sent_total",
                "Command frames sent to drones (resends included), by link", "link=\"response\"");
            framesSentToAdvertised = metrics.counter("odyssey_ingest_command_frames_sent_total",
                "Command frames sent to drones (resends included), by link", "link=\"advertised\"");
            framesNotSent = metrics.counter("odyssey_ingest_command_frames_unsent_total",
                "Command frames not sent (link not connected yet or back-pressured; retried)");
            transitions = metrics.counter("odyssey_ingest_command_transitions_total", "Ledger transitions made by this node");
            failures = metrics.counter("odyssey_ingest_command_relay_failures_total", "Relay passes that failed (grid away)");
            geofenceOrders = metrics.counter("odyssey_ingest_geofence_orders_total",
                "Orders the ground gave drones found outside the keep-in or inside a keep-out geofence");
            expired = metrics.counter("odyssey_ingest_commands_expired_total",
                "Commands this node marked expired: not delivered to their drone before their expiry");
            unauthorised = metrics.counter("odyssey_ingest_commands_unauthorised_total",
                "Ledger commands refused, never relayed, because they carry no valid command-key seal (written into the grid by something else than a gateway or ingest node)");
            textRepaired = metrics.counter("odyssey_ingest_command_text_repaired_total",
                "Commands and transitions whose text the ledger had to make storable (control characters replaced)");
            fleetStatesLeftOut = metrics.counter("odyssey_ingest_fleet_states_unreadable_total",
                FLEET_STATES_LEFT_OUT_HELP, "reader=\"relay\"");
            fleetStates = new UnreadableRecords("fleet state", fleetStatesLeftOut);
            geofencesUnsealed = metrics.counter("odyssey_ingest_geofences_refused_total", GEOFENCES_REFUSED_HELP,
                "reason=\"UNSEALED\"");
            geofencesUnreadable = metrics.counter("odyssey_ingest_geofences_refused_total", GEOFENCES_REFUSED_HELP,
                "reason=\"UNREADABLE\"");
            geofencesOverLimit = metrics.counter("odyssey_ingest_geofences_refused_total", GEOFENCES_REFUSED_HELP,
                "reason=\"" + GeofenceRecords.OVER_LIMIT + "\"");
            retired = metrics.counter("odyssey_ingest_command_records_retired_total",
                "Ledger records marked active that cannot be read (written into the grid by something else), removed by this node's sweep");
            unsealedRemoved = metrics.counter("odyssey_ingest_command_records_unsealed_removed_total",
                "Final ledger records without a valid command-key seal (written into the grid by something else), " +
                    "removed by this node's sweep or evicted first by a drone's bound on final commands");
            trimDeferred = metrics.counter("odyssey_ingest_command_records_trim_deferred_total",
                "Final ledger records of a drone past its bound that a command this node recorded left unread for a " +
                    "later one (at most " + CommandLedger.TRIM_READ_RECORDS + " not verified before are read; " +
                    "planted by a grid client), counted each time; while any wait and those read held a planted " +
                    "one, no genuine record is evicted");
            trimUnordered = metrics.counter("odyssey_ingest_command_records_trim_unordered_total",
                "Commands this node recorded past a drone's bound of final commands whose batch of records could not " +
                    "be chosen in key order on the grid members (a member without CommandLedger.KeyOrder, during a " +
                    "rolling upgrade) and took any batch of the same size instead");
            clockStepsForward = metrics.counter("odyssey_ingest_command_clock_steps_total", CLOCK_STEPS_HELP,
                "direction=\"forward\"");
            clockStepsBack = metrics.counter("odyssey_ingest_command_clock_steps_total", CLOCK_STEPS_HELP,
                "direction=\"back\"");
            unreadable = metrics.counter("odyssey_ingest_command_records_unreadable_total",
                "Ledger records this node's reads left out because they cannot be read (written into the grid by something else)");
        }

        /** For the ledger this relay writes through ({@link CommandLedger#CommandLedger(com.hazelcast.core.HazelcastInstance, Counter)}). */
        public Counter textRepaired()
        {
            return textRepaired;
        }

        /** For the same ledger: its records that cannot be read ({@link CommandLedger#countingUnreadable}). */
        public Counter unreadable()
        {
            return unreadable;
        }

        /** For the same ledger: its final records removed for want of a seal ({@link CommandLedger#countingUnsealedRemoved}). */
        public Counter unsealedRemoved()
        {
            return unsealedRemoved;
        }

        /** For the same ledger: bounds that read an unordered batch ({@link CommandLedger#countingTrimUnordered}). */
        public Counter trimUnordered()
        {
            return trimUnordered;
        }

        /** For the same ledger: final records left unread by a bound ({@link CommandLedger#countingTrimDeferred}). */
        public Counter trimDeferred()
        {
            return trimDeferred;
        }

        /** For the geofences the guard reads ({@link GeofenceRecords}): those left out without a valid seal. */
        public Counter geofencesUnsealed()
        {
            return geofencesUnsealed;
        }

        /** For the same geofences: those left out sealed but unreadable. */
        public Counter geofencesUnreadable()
        {
            return geofencesUnreadable;
        }

        public Counter geofencesOverLimit()
        {
            return geofencesOverLimit;
        }
    }
}
