package io.odyssey.relay;

import io.odyssey.codecs.CommandFrameWriter;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Sends a command to its drone (first time, a resend, or asking a drone that answered to repeat its last word): a
 * signed frame from the command's typed parameters, over the drone's response channel or to its advertised endpoint
 * ({@link CommandLinks}), the attempt then noted in the ledger. A command that cannot be encoded is refused there
 * rather than retried forever. Relay thread only.
 */
final class CommandSender
{
    private final CommandLedger ledger;
    private final CommandLinks links;
    /** Signs every command for its drone: a drone obeys nothing else. */
    private final FrameSigner signer;
    private final String nodeId;
    private final TransitionRecorder recorder;
    private final CommandRelay.CommandMetrics metrics;
    /** What a link's last use is stamped by: the clock {@link LedgerSweep} closes idle links by (its pacing clock). */
    private final NanoClock linkClock;
    private final CommandFrameWriter writer = new CommandFrameWriter();
    private final UnsafeBuffer buffer =
        new UnsafeBuffer(ByteBuffer.allocateDirect(CommandFrameWriter.MAX_FRAME_LENGTH));

    CommandSender(
        final CommandLedger ledger, final CommandLinks links, final FrameSigner signer, final String nodeId,
        final TransitionRecorder recorder, final CommandRelay.CommandMetrics metrics, final NanoClock linkClock)
    {
        this.linkClock = linkClock;
        this.ledger = ledger;
        this.links = links;
        this.signer = signer;
        this.nodeId = nodeId;
        this.recorder = recorder;
        this.metrics = metrics;
    }

    /**
     * Sends {@code command} at wall time {@code now} (the frame's time and the ledger's).
     *
     * @return the ledger's record after the send; null when nothing went out (no route, not connected, refused) or
     * the ledger took no note of it (the command was finished meanwhile).
     */
    CommandRecord send(final CommandRecord command, final long now)
    {
        if (!links.hasRoute(command.droneId()))
        {
            return null;
        }
        final int length;
        try
        {
            length = encode(command, now);
        }
        catch (final RuntimeException ex)
        {
            // The gateway validated it; a record that still cannot be encoded is refused rather than retried forever.
            recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.REJECTED, now,
                "cannot be encoded for the drone: " + ex.getMessage())));
            return null;
        }
        // The link's last use on the sweep's monotonic clock, which closes idle links by it (never the ledger's time):
        // the same injected clock, so a sweep on any clock cannot disagree with the stamps.
        final CommandLinks.Sent sent = links.send(command.droneId(), buffer, length, linkClock.nanoTime());
        if (sent == CommandLinks.Sent.RESPONSE || sent == CommandLinks.Sent.ADVERTISED)
        {
            (sent == CommandLinks.Sent.RESPONSE ? metrics.framesSentOnResponseChannels : metrics.framesSentToAdvertised)
                .increment();
            final CommandRecord updated = ledger.update(command.id(), command.state().isUndelivered() ?
                CommandUpdate.sent(nodeId, now) : CommandUpdate.resent(nodeId, now));
            recorder.record(updated);
            return updated;
        }
        // Not connected yet (a new publication needs a moment) or back-pressured: the next sweep tries again.
        metrics.framesNotSent.increment();
        return null;
    }

    /** The command as a signed frame in {@link #buffer}, from its typed parameters. */
    private int encode(final CommandRecord command, final long now)
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
        final long target = cancel.parameters().targetCommandId();
        if (target >= 0)
        {
            return target;
        }
        final CommandRecord command = ledger.get(target);
        return command == null ? target : DroneCommandIds.droneFacingId(command);
    }
}
