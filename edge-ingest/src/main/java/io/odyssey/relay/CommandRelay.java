package io.odyssey.relay;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import io.aeron.Aeron;
import io.odyssey.codecs.CommandFrameWriter;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandStatusDecoder;
import com.hazelcast.query.Predicates;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.GeofenceSet;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandState;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.grid.ledger.DroneAnswer;
import io.odyssey.journal.CommandJournal;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Carries commands between the ledger and the drones this ingest node hears, on its own thread (blocking grid calls
 * never touch the telemetry hot path).
 * <p>
 * <b>Down</b>: every sweep (and at once when a command is added) it reads the ledger's unfinished commands, and for
 * each whose drone this node hears (the fleet map's {@code ingestNode}) and can reach ({@link CommandLinks}: the
 * response channel the drone opened, else the endpoint its heartbeats advertise) it sends the SBE command frame over
 * Aeron, marks it SENT, and resends it every resend interval until the drone answers. Because the routing is re-decided on every sweep from the fleet map, a drone that moves to
 * another node takes its pending commands with it, and a restarted node picks up where the ledger stands.
 * <p>
 * <b>Up</b>: the drone's answers (ACCEPTED, IN_PROGRESS, DONE, ...) arrive through {@link #onCommandStatus} from the
 * ingest agent; they are copied, queued and applied to the ledger here. DONE only records the drone's word; the
 * command becomes COMPLETED when telemetry newer than that word shows the effect ({@link CommandEffects}), checked on
 * the next sweep. Commands not delivered by their expiry become EXPIRED (any node may do that: updates are
 * idempotent rules on the partition owner). Every transition this node makes is journaled.
 */
public final class CommandRelay implements CommandLink, AutoCloseable
{
    /** A drone that said "done" but whose telemetry does not show it within this long: the command failed. */
    public static final long EFFECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    /** A running command is sent again after this many resend intervals, so the drone repeats its latest answer. */
    static final int ANSWER_REPEAT_INTERVALS = 5;
    static final long GUARD_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    static final long GUARD_ORDER_EXPIRY_NS = TimeUnit.SECONDS.toNanos(60);
    /** A delivered command whose drone nobody has heard for this long has failed. */
    public static final long LOST_CONTACT_NS = TimeUnit.SECONDS.toNanos(30);
    /** How soon a drone's "done" is checked against telemetry again (a 10 Hz drone sends a frame every 100 ms). */
    static final long EFFECT_POLL_MS = 10;
    static final int MAX_AWAITING_EFFECT = 10_000;

    /** The ledger's reason for a command that carried no valid authorisation. */
    public static final String UNAUTHORISED_REASON =
        "not authorised: no valid command-key seal (not put in the ledger by a gateway or an ingest node)";
    private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);
    private static final Object WAKE = new Object();

    private final CommandLedger ledger;
    private final IMap<Long, DroneState> fleet;
    private final String nodeId;
    private final EpochNanoClock clock;
    private final long resendNs;
    private final long expiryGraceNs;
    private final long sweepMs;
    private final CommandJournal journal;
    private final CommandMetrics metrics;
    private final CommandLinks links;
    private final LinkedBlockingQueue<Object> inbox = new LinkedBlockingQueue<>(100_000);
    private final CommandFrameWriter writer = new CommandFrameWriter();
    /** Signs every command for its drone (relay thread only): a drone obeys nothing else. */
    private final FrameSigner signer;
    private final UnsafeBuffer buffer =
        new UnsafeBuffer(ByteBuffer.allocateDirect(CommandFrameWriter.MAX_FRAME_LENGTH));
    private final RateLimitedLog sweepLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(5));
    private final RateLimitedLog unauthorisedLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(5));
    private final Thread thread;
    private final IMap<String, String> geofences;
    private final CommandType geofenceAction;
    private final Map<Long, Long> strayed = new HashMap<>();
    /** Commands whose drone said "done" and whose effect telemetry has not shown yet (relay thread only). */
    private final Map<Long, CommandRecord> awaitingEffect = new HashMap<>();
    private long lastGuardNanos;
    private UUID listener;
    private volatile boolean running = true;
    private volatile String lastError;

    public CommandRelay(
        final Aeron aeron, final int streamId, final CommandLedger ledger, final IMap<Long, DroneState> fleet,
        final String nodeId, final EpochNanoClock clock, final long resendMs, final long sweepMs,
        final CommandJournal journal, final CommandMetrics metrics, final IMap<String, String> geofences,
        final String geofenceAction, final String commandControlEndpoint, final int maxCommandLinks,
        final FrameSigner signer)
    {
        this.signer = signer;
        this.links = new CommandLinks(aeron, streamId, commandControlEndpoint, maxCommandLinks);
        this.geofences = geofences;
        this.geofenceAction = CommandType.fromWireName(geofenceAction);
        this.ledger = ledger;
        this.fleet = fleet;
        this.nodeId = nodeId;
        this.clock = clock;
        this.resendNs = TimeUnit.MILLISECONDS.toNanos(resendMs);
        this.expiryGraceNs = Math.max(TimeUnit.SECONDS.toNanos(2), 2 * resendNs);
        this.sweepMs = sweepMs;
        this.journal = journal;
        this.metrics = metrics;
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
        inbox.offer(WAKE);
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
        long nextSweep = 0;
        while (running)
        {
            try
            {
                // While a drone's "done" waits for telemetry to show it, look again soon rather than at the next sweep.
                final Object first = inbox.poll(awaitingEffect.isEmpty() ? Math.max(1, sweepMs) : EFFECT_POLL_MS,
                    TimeUnit.MILLISECONDS);
                boolean wake = first == WAKE;
                if (first instanceof DroneAnswer answer)
                {
                    apply(answer);
                }
                Object next;
                while ((next = inbox.poll()) != null)
                {
                    if (next instanceof DroneAnswer answer)
                    {
                        apply(answer);
                    }
                    else
                    {
                        wake = true;
                    }
                }
                final long now = System.nanoTime();
                if (wake || now - nextSweep >= 0)
                {
                    sweep();
                    nextSweep = now + TimeUnit.MILLISECONDS.toNanos(sweepMs);
                }
                else if (!awaitingEffect.isEmpty())
                {
                    checkAwaitingEffects();
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

    /**
     * Drones of this node that strayed where the geofences forbid (pushed by wind, or flying an order from before the
     * fence) are ordered home (or to hold) by the ground, once per excursion: a new order only when the last one is
     * over and the drone is still out.
     */
    void guardGeofences(final long now)
    {
        if (geofences == null || now - lastGuardNanos < GUARD_INTERVAL_NS)
        {
            return;
        }
        lastGuardNanos = now;
        journalUnrelayed();
        final Collection<String> texts = geofences.values();
        if (texts.isEmpty())
        {
            strayed.clear();
            return;
        }
        final GeofenceSet fences;
        try
        {
            fences = GeofenceSet.fromFeatureTexts(texts);
        }
        catch (final IllegalArgumentException ex)
        {
            if (sweepLog.tryAcquire(System.nanoTime()))
            {
                LOG.warn("geofences unreadable, not guarding them: {}", ex.getMessage());
            }
            return;
        }
        for (final DroneState state : fleet.values(Predicates.equal("ingestNode", nodeId)))
        {
            final String status = state.status();
            if ("GROUNDED".equals(status) || "LANDING".equals(status) || "EMERGENCY".equals(status))
            {
                continue;
            }
            final String breach = fences.breach(state.latitude(), state.longitude());
            if (breach == null)
            {
                // Back inside: the excursion is over, a later one gets its own order.
                strayed.remove(state.droneId());
                continue;
            }
            // One order per excursion (a hold would otherwise be renewed every second and pin the drone outside),
            // and none for a drone nobody has heard lately.
            if (strayed.containsKey(state.droneId()) || now - state.ingestNanos() > LOST_CONTACT_NS)
            {
                continue;
            }
            final CommandRecord order = CommandRecord.issued(ledger.newId(), state.droneId(), geofenceAction,
                CommandParameters.NONE, null, "geofence", nodeId, now, now + GUARD_ORDER_EXPIRY_NS)
                .issuedBecause(breach);
            ledger.issue(order);
            strayed.put(state.droneId(), order.id());
            metrics.geofenceOrders.increment();
            LOG.info("drone {} is {}: ordered {} (command {})", state.droneId(), breach, geofenceAction.wireName(),
                order.id());
        }
    }

    /**
     * Commands that became final without any relay (refused by the gateway, e.g. by a geofence) are journaled by
     * whichever node sees them first, so the archive's audit shows them too (a second copy is kept once there).
     */
    private void journalUnrelayed()
    {
        if (journal == null)
        {
            return;
        }
        for (final CommandRecord command : ledger.unjournaledFinal())
        {
            if (command.node() == null)
            {
                journalPending(command);
            }
        }
    }

    /** One pass over every unfinished command: deliver, resend, expire, confirm effects. */
    void sweep()
    {
        links.closeIdle(clock.nanoTime());
        guardGeofences(clock.nanoTime());
        final Collection<CommandRecord> active = ledger.active();
        // The sweep re-adds those still waiting; anything finished meanwhile (elsewhere, or expired) drops out.
        awaitingEffect.clear();
        if (active.isEmpty())
        {
            return;
        }
        final Set<Long> drones = new HashSet<>();
        for (final CommandRecord command : active)
        {
            drones.add(command.droneId());
        }
        final Map<Long, DroneState> states = fleet.getAll(drones);
        final long now = clock.nanoTime();
        for (final CommandRecord command : active)
        {
            if (!ledger.authorised(command))
            {
                refuseUnauthorised(command, now);
                continue;
            }
            final DroneState state = states.get(command.droneId());
            final boolean mine = state != null && nodeId.equals(state.ingestNode());
            if (command.state().isUndelivered())
            {
                // The drone refuses a command past its expiry itself (the frame carries it); the grace lets a frame
                // sent just before the expiry be answered before the ledger gives up on it.
                if (now - command.expiresAtNanos() > expiryGraceNs)
                {
                    record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.EXPIRED, now,
                        "not delivered before it expired" + (state == null ? " (the drone is unknown)" :
                            !mine ? " (the drone was out of contact)" :
                            links.hasRoute(command.droneId()) ? " (the drone did not answer)" :
                            " (no command link to the drone: it never announced one)"))));
                }
                else if (command.type() == CommandType.CANCEL && cancelBeforeDelivery(command, now))
                {
                    continue;
                }
                else if (mine && (command.state() == CommandState.ISSUED || now - command.lastSentNanos() >= resendNs))
                {
                    deliver(command, now);
                }
            }
            else if (state == null || now - state.ingestNanos() > LOST_CONTACT_NS)
            {
                // Delivered, but nobody hears the drone any more: the order's fate cannot be known, so it failed
                // (any node may say so; the update is idempotent).
                record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.FAILED, now,
                    "lost contact with the drone for more than " + TimeUnit.NANOSECONDS.toSeconds(LOST_CONTACT_NS) + " s")));
            }
            else if (mine && command.doneAtNanos() != 0)
            {
                confirmEffect(command, state, now);
            }
            else if (mine && command.id() > 0 && now - command.lastSentNanos() >= ANSWER_REPEAT_INTERVALS * resendNs)
            {
                // An answer lost on the way (this node restarting, a packet dropped) must not leave the command
                // waiting forever: the drone is asked to repeat its latest word (it never starts a command on such a
                // request). A drone's own commands are never sent to it.
                deliver(command, now);
            }
        }
    }

    /**
     * A command without the command key's seal was not put in the ledger by a gateway or an ingest node (the grid is
     * storage anyone on its network can write): it never reaches a drone, and it ends here with the reason, in the
     * ledger, the command journal and so the archive's audit. Any node may settle it; the update is idempotent.
     */
    private void refuseUnauthorised(final CommandRecord command, final long now)
    {
        metrics.unauthorised.increment();
        if (unauthorisedLog.tryAcquire(now))
        {
            LOG.warn("refused command {} for drone {}: not authorised by a gateway or ingest node (no valid command-key " +
                "seal: written straight into the grid, or sealed under another ODYSSEY_COMMAND_KEY_FILE); {} more since " +
                "the last such line", command.id(), command.droneId(), unauthorisedLog.suppressedSinceLast());
        }
        record(ledger.update(command.id(), CommandUpdate.moveTo(
            command.state().isUndelivered() ? CommandState.REJECTED : CommandState.FAILED, now, UNAUTHORISED_REASON)));
    }

    /**
     * A cancel whose target was never sent needs no drone: both are settled here. (A target already sent may have
     * reached the drone, so that cancel goes to the drone like any command.)
     */
    private boolean cancelBeforeDelivery(final CommandRecord cancel, final long now)
    {
        final long targetId = targetCommandId(cancel);
        final CommandRecord target = targetId == 0 ? null : ledger.get(targetId);
        if (target == null)
        {
            record(ledger.update(cancel.id(), CommandUpdate.moveTo(CommandState.REJECTED, now, "no such command")));
            return true;
        }
        if (target.state().isFinal())
        {
            record(ledger.update(cancel.id(), CommandUpdate.moveTo(CommandState.REJECTED, now,
                "the command is already " + target.state().wireName())));
            return true;
        }
        if (target.state() == CommandState.ISSUED)
        {
            record(ledger.update(target.id(), CommandUpdate.moveTo(CommandState.CANCELLED, now,
                "cancelled before delivery by " + cancel.issuedBy())));
            record(ledger.update(cancel.id(), CommandUpdate.moveTo(CommandState.COMPLETED, now, null)));
            return true;
        }
        return false;
    }

    /** Only the commands whose drone said "done", against their drones' latest telemetry. */
    private void checkAwaitingEffects()
    {
        final Set<Long> drones = new HashSet<>();
        for (final CommandRecord command : awaitingEffect.values())
        {
            drones.add(command.droneId());
        }
        final Map<Long, DroneState> states = fleet.getAll(drones);
        final long now = clock.nanoTime();
        for (final CommandRecord command : new ArrayList<>(awaitingEffect.values()))
        {
            confirmEffect(command, states.get(command.droneId()), now);
        }
    }

    private void confirmEffect(final CommandRecord command, final DroneState state, final long now)
    {
        final boolean seen;
        if (command.type() == CommandType.CANCEL)
        {
            final CommandRecord target = ledger.get(targetCommandId(command));
            seen = target == null || target.state().isFinal();
        }
        else
        {
            seen = CommandEffects.seen(command, state);
        }
        if (seen)
        {
            awaitingEffect.remove(command.id());
            record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.COMPLETED, now, null)));
        }
        else if (now - command.doneAtNanos() > EFFECT_TIMEOUT_NS)
        {
            awaitingEffect.remove(command.id());
            record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.FAILED, now,
                "the drone reported it done, but its telemetry did not show it within " +
                    TimeUnit.NANOSECONDS.toSeconds(EFFECT_TIMEOUT_NS) + " s")));
        }
        else if (awaitingEffect.size() < MAX_AWAITING_EFFECT)
        {
            awaitingEffect.put(command.id(), command);
        }
    }

    private void deliver(final CommandRecord command, final long now)
    {
        if (!links.hasRoute(command.droneId()))
        {
            return;
        }
        final int length;
        try
        {
            length = encode(command, now);
        }
        catch (final RuntimeException ex)
        {
            // The gateway validated it; a record that still cannot be encoded is refused rather than retried forever.
            record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.REJECTED, now,
                "cannot be encoded for the drone: " + ex.getMessage())));
            return;
        }
        final CommandLinks.Sent sent = links.send(command.droneId(), buffer, length, now);
        if (sent == CommandLinks.Sent.RESPONSE || sent == CommandLinks.Sent.ADVERTISED)
        {
            (sent == CommandLinks.Sent.RESPONSE ? metrics.framesSentOnResponseChannels : metrics.framesSentToAdvertised)
                .increment();
            record(ledger.update(command.id(), command.state().isUndelivered() ?
                CommandUpdate.sent(nodeId, now) : CommandUpdate.resent(nodeId, now)));
        }
        else
        {
            // Not connected yet (a new publication needs a moment) or back-pressured: the next sweep tries again.
            metrics.framesNotSent.increment();
        }
    }

    /** The command as a signed frame in {@link #buffer}, from its typed parameters. */
    int encode(final CommandRecord command, final long now)
    {
        if (command.type() == null)
        {
            throw new IllegalArgumentException("unknown command type");
        }
        final long target = command.type() == CommandType.CANCEL ? droneFacingTarget(command) : 0L;
        final int length = writer.command(buffer, 0, command.droneId(), command.id(), now, command.type(),
            command.parameters(), target, command.expiresAtNanos(), !command.state().isUndelivered());
        if (!signer.sign(buffer, 0, length))
        {
            throw new IllegalArgumentException("no link key for drone " + command.droneId() + " (revoked?)");
        }
        return length;
    }

    /** A cancel's target as the drone knows it: its own number for a command the drone started itself. */
    private long droneFacingTarget(final CommandRecord cancel)
    {
        final long target = targetCommandId(cancel);
        if (target >= 0)
        {
            return target;
        }
        final CommandRecord command = ledger.get(target);
        return command == null ? target : DroneCommandIds.droneFacingId(command);
    }

    static long targetCommandId(final CommandRecord command)
    {
        return command.parameters().targetCommandId();
    }

    /** A drone's answer, applied to the ledger as {@link DroneAnswer} says it means. */
    void apply(final DroneAnswer answer)
    {
        if (answer.startedByDrone())
        {
            recordStartedByDrone(answer);
            return;
        }
        final CommandUpdate update = answer.ledgerUpdate();
        // A drone's own command is known to the ledger by the id the ground gave it (DroneCommandIds).
        final long ledgerId = answer.commandId() >= 0 ? answer.commandId() :
            DroneCommandIds.find(ledger, answer.droneId(), answer.commandId());
        final CommandRecord updated = update == null || ledgerId == 0 ? null : ledger.update(ledgerId, update);
        if (updated == null)
        {
            metrics.statusesIgnored.increment();
            return;
        }
        record(updated);
        if (answer.phase() == CommandPhase.DONE)
        {
            // Often the effect is already in the latest telemetry (a hold, a set-speed): no need to wait a sweep.
            confirmEffect(updated, fleet.get(updated.droneId()), answer.atNanos());
        }
    }

    /** A command the drone started on its own (a failsafe), recorded under a ledger id of its own. */
    private void recordStartedByDrone(final DroneAnswer answer)
    {
        final long id = answer.commandId();
        if (id >= 0)
        {
            metrics.statusesIgnored.increment();
            return;
        }
        for (int probe = 0; probe < DroneCommandIds.MAX_PROBES; probe++)
        {
            final CommandRecord started =
                answer.startedCommand(DroneCommandIds.ledgerId(answer.droneId(), id, probe), nodeId);
            final CommandLedger.Issued recorded = ledger.recordDroneCommand(started);
            if (recorded == null)
            {
                // More of its own commands running than a drone ever has: a confused or forged sender.
                metrics.statusesIgnored.increment();
                return;
            }
            if (recorded.created())
            {
                LOG.info("drone {} started {} on its own ({}): command {}", answer.droneId(),
                    answer.type() == null ? "an unknown command" : answer.type().wireName(), answer.reasonText(),
                    started.id());
                record(recorded.command());
                return;
            }
            // The same command reported again, unless that one is over: a drone that rebooted and numbers its
            // commands afresh reuses the number for a new command, which then takes the next id.
            if (DroneCommandIds.isFor(recorded.command(), answer.droneId(), id) && recorded.command().active())
            {
                return;
            }
        }
        metrics.statusesIgnored.increment();
        LOG.error("drone {}'s own command {} could not be recorded: {} ledger ids taken by other commands",
            answer.droneId(), id, DroneCommandIds.MAX_PROBES);
    }

    /** A transition this node made: counted, and journaled. */
    private void record(final CommandRecord command)
    {
        if (command == null)
        {
            return;
        }
        metrics.transitions.increment();
        if (command.state() == CommandState.EXPIRED)
        {
            metrics.expired.increment();
        }
        journalPending(command);
    }

    /** Journals the transitions of {@code command} not journaled yet, then notes that in the ledger. */
    private void journalPending(final CommandRecord command)
    {
        if (journal == null || command.journaled() >= command.transitionCount())
        {
            return;
        }
        CommandJournalEntries.append(journal, command, command.journaled(), nodeId);
        ledger.update(command.id(), CommandUpdate.journaled(command.transitionCount()));
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
        final Counter statusesReceived;
        final Counter statusesDropped;
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

        public CommandMetrics(final io.odyssey.runtime.Metrics metrics)
        {
            statusesReceived = metrics.counter("odyssey_ingest_command_statuses_total", "Command answers received from drones");
            statusesDropped = metrics.counter("odyssey_ingest_command_statuses_dropped_total",
                "Command answers dropped because the relay's queue was full");
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
        }

        /** For the ledger this relay writes through ({@link CommandLedger#CommandLedger(com.hazelcast.core.HazelcastInstance, Counter)}). */
        public Counter textRepaired()
        {
            return textRepaired;
        }
    }
}
