package io.odyssey.codecs.sign;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.RejectReason;
import org.agrona.DirectBuffer;

import java.util.Objects;
import java.util.function.LongPredicate;

/**
 * What every receiver of Odyssey command frames (a simulated drone, the MAVLink edge for its vehicles) checks before it
 * acts on one, in an order that spends nothing costly on garbage and trusts no field before it is verified: the frame's
 * structure (its header, then the whole frame), that it is signed, that its drone is one this receiver acts for, the
 * signature with that drone's key with freshness and replay ({@link FrameVerifier}), then a positive command id and a
 * known type. One instance per thread (it reads into the caller's reader).
 */
public final class CommandFrameCheck
{
    /** The frame's drone is none this receiver acts for. */
    public static final String NOT_OURS = "NOT_OURS";
    /** A command id of 0 or less, or a command type this version does not know. */
    public static final String MALFORMED = "MALFORMED";

    private final CommandFrameReader command;
    private final FrameVerifier verifier;
    private final LongPredicate ours;

    /**
     * @param command  the reader the frame is read into: after a frame passes, its fields are the command's.
     * @param verifier the drones' keys, freshness and replay windows: required, since a receiver that skipped it would
     *                 obey anyone who can reach its port.
     * @param ours     whether a drone id is one this receiver acts for (asked before the signature is checked).
     */
    public CommandFrameCheck(final CommandFrameReader command, final FrameVerifier verifier, final LongPredicate ours)
    {
        this.command = Objects.requireNonNull(command, "command");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.ours = Objects.requireNonNull(ours, "ours");
    }

    /** @return null when the frame may be acted on, otherwise why not: a {@link RejectReason}'s name, {@link #NOT_OURS} or {@link #MALFORMED}. */
    public String check(final DirectBuffer buffer, final int offset, final int length)
    {
        final RejectReason notACommand = command.readHeader(buffer, offset, length);
        if (notACommand != null)
        {
            return notACommand.name();
        }
        if (!FrameSignature.isSigned(buffer, offset, length))
        {
            return RejectReason.UNSIGNED.name();
        }
        final RejectReason unreadable = command.read(buffer, offset, length);
        if (unreadable != null)
        {
            return unreadable.name();
        }
        if (!ours.test(command.droneId()))
        {
            return NOT_OURS;
        }
        final RejectReason refused = verifier.verify(buffer, offset, length);
        if (refused != null)
        {
            return refused.name();
        }
        if (command.commandId() <= 0 || command.type() == null)
        {
            return MALFORMED;
        }
        return null;
    }
}
