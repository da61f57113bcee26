package io.odyssey.codecs;

import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.CommandStatusDecoder;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.HeartbeatDecoder;
import io.odyssey.codecs.sbe.MessageHeaderDecoder;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import org.agrona.DirectBuffer;

/**
 * Decodes and validates one inbound frame in place: a reusable flyweight, no allocation per frame.
 * <p>
 * After {@link #read(DirectBuffer, int, int)} returns {@link #TELEMETRY} or {@link #HEARTBEAT} the matching
 * decoder ({@link #telemetry()} / {@link #heartbeat()}) is positioned on the frame, honouring the sender's
 * {@code blockLength} and {@code version}, so frames from older senders decode (fields they lack read as
 * their null value, see {@link #climbRate()}). Otherwise it returns {@link #REJECTED} and {@link #rejectReason()}
 * says why. Per-drone sequence ordering is the caller's business: only it knows the last sequence seen.
 */
public final class TelemetryFrameReader
{
    public static final int REJECTED = 0;
    public static final int TELEMETRY = 1;
    public static final int HEARTBEAT = 2;
    /** A drone's acknowledgement of, or progress on, a command: {@link #commandStatus()}. */
    public static final int COMMAND_STATUS = 3;

    /** Smallest heartbeat block any supported version sends (before version 3 it has no command endpoint). */
    public static final int HEARTBEAT_V2_BLOCK_LENGTH = HeartbeatDecoder.commandAddressEncodingOffset();

    /** Smallest telemetry block any supported version sends (version 1 has no climbRate). */
    public static final int TELEMETRY_V1_BLOCK_LENGTH = TelemetryDecoder.climbRateEncodingOffset();
    /** Highest altitude above home we accept, metres. Well above any drone ceiling, below nonsense. */
    public static final float MAX_ALTITUDE_M = 20_000f;
    public static final float MIN_ALTITUDE_M = -1_000f;
    /** Faster than any multirotor or fixed-wing drone we fly, m/s. */
    public static final float MAX_SPEED_MPS = 200f;

    /**
     * Highest drone id anything in Odyssey accepts: 2^53 - 1, the largest integer a JSON number holds exactly (the
     * WebSocket and REST contracts carry drone ids as numbers, which JavaScript reads as doubles).
     */
    public static final long MAX_DRONE_ID = (1L << 53) - 1;

    private static final int MAX_STATUS = DroneStatus.EMERGENCY.value();

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TelemetryDecoder telemetry = new TelemetryDecoder();
    private final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
    private final CommandStatusDecoder commandStatus = new CommandStatusDecoder();
    private RejectReason rejectReason;
    private io.odyssey.codecs.sign.FrameVerifier verifier;
    private DirectBuffer frame;
    private int frameOffset;
    private int frameLength;
    private long minDroneId = 1;
    private long maxDroneId = MAX_DRONE_ID;

    /**
     * Narrows the drone ids this reader accepts (1 .. {@link #MAX_DRONE_ID} unless set): frames from other positive ids
     * are {@link RejectReason#DRONE_ID_OUT_OF_RANGE}.
     *
     * @throws IllegalArgumentException unless {@code 1 <= min <= max <= MAX_DRONE_ID}.
     */
    public TelemetryFrameReader droneIds(final long min, final long max)
    {
        if (min < 1 || min > max || max > MAX_DRONE_ID)
        {
            throw new IllegalArgumentException("drone ids must satisfy 1 <= min <= max <= " + MAX_DRONE_ID + ", got " +
                min + ".." + max);
        }
        minDroneId = min;
        maxDroneId = max;
        return this;
    }

    /**
     * Every frame must carry a valid signature under its drone's key (see {@link io.odyssey.codecs.sign.FrameVerifier}),
     * checked right after the header and the drone id, before any of its content is looked at. Without one (the
     * default) frames are read as they are: only for frames that were verified when they arrived (a journal replay).
     */
    public TelemetryFrameReader verifier(final io.odyssey.codecs.sign.FrameVerifier verifier)
    {
        this.verifier = verifier;
        return this;
    }

    /** The verifier of this reader (its {@code timestamp()} is the last verified frame's), or null. */
    public io.odyssey.codecs.sign.FrameVerifier verifier()
    {
        return verifier;
    }

    /**
     * @return {@link #TELEMETRY}, {@link #HEARTBEAT} or {@link #REJECTED}.
     */
    public int read(final DirectBuffer buffer, final int offset, final int length)
    {
        rejectReason = null;
        frame = buffer;
        frameOffset = offset;
        frameLength = length;
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return reject(RejectReason.TRUNCATED);
        }
        header.wrap(buffer, offset);
        if (header.schemaId() != TelemetryDecoder.SCHEMA_ID)
        {
            return reject(RejectReason.UNKNOWN_SCHEMA);
        }
        final int version = header.version();
        if (version > TelemetryDecoder.SCHEMA_VERSION)
        {
            return reject(RejectReason.UNSUPPORTED_VERSION);
        }
        final int blockLength = header.blockLength();
        final int bodyLength = length - MessageHeaderDecoder.ENCODED_LENGTH;
        if (blockLength > bodyLength)
        {
            return reject(RejectReason.TRUNCATED);
        }
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (header.templateId())
        {
            case TelemetryDecoder.TEMPLATE_ID:
                if (blockLength < TELEMETRY_V1_BLOCK_LENGTH)
                {
                    return reject(RejectReason.TRUNCATED);
                }
                telemetry.wrap(buffer, bodyOffset, blockLength, version);
                return validateTelemetry();

            case HeartbeatDecoder.TEMPLATE_ID:
                if (blockLength < HEARTBEAT_V2_BLOCK_LENGTH)
                {
                    return reject(RejectReason.TRUNCATED);
                }
                heartbeat.wrap(buffer, bodyOffset, blockLength, version);
                return acceptableDroneId(heartbeat.droneId()) && authentic() ? HEARTBEAT : REJECTED;

            case CommandStatusDecoder.TEMPLATE_ID:
                if (blockLength < CommandStatusDecoder.BLOCK_LENGTH)
                {
                    return reject(RejectReason.TRUNCATED);
                }
                commandStatus.wrap(buffer, bodyOffset, blockLength, version);
                return validateCommandStatus();

            default:
                return reject(RejectReason.UNKNOWN_TEMPLATE);
        }
    }

    private int validateCommandStatus()
    {
        final CommandStatusDecoder s = commandStatus;
        if (!acceptableDroneId(s.droneId()) || !authentic())
        {
            return REJECTED;
        }
        if (s.phase() == CommandPhase.NULL_VAL || s.reason() == CommandReason.NULL_VAL ||
            s.commandType() == CommandType.NULL_VAL || !(s.progress() >= 0f && s.progress() <= 100f))
        {
            return reject(RejectReason.UNKNOWN_STATUS);
        }
        return COMMAND_STATUS;
    }

    private int validateTelemetry()
    {
        final TelemetryDecoder t = telemetry;
        if (!acceptableDroneId(t.droneId()) || !authentic())
        {
            return REJECTED;
        }
        // Written as negated ranges so NaN, which fails every comparison, is rejected too.
        final double latitude = t.latitude();
        if (!(latitude >= -90.0 && latitude <= 90.0))
        {
            return reject(RejectReason.LATITUDE_OUT_OF_RANGE);
        }
        final double longitude = t.longitude();
        if (!(longitude >= -180.0 && longitude <= 180.0))
        {
            return reject(RejectReason.LONGITUDE_OUT_OF_RANGE);
        }
        final float altitude = t.altitude();
        if (!(altitude >= MIN_ALTITUDE_M && altitude <= MAX_ALTITUDE_M))
        {
            return reject(RejectReason.ALTITUDE_OUT_OF_RANGE);
        }
        final float heading = t.heading();
        if (!(heading >= 0f && heading < 360f))
        {
            return reject(RejectReason.HEADING_OUT_OF_RANGE);
        }
        final float speed = t.groundSpeed();
        if (!(speed >= 0f && speed <= MAX_SPEED_MPS))
        {
            return reject(RejectReason.NEGATIVE_SPEED);
        }
        final float battery = t.battery();
        if (!(battery >= 0f && battery <= 100f))
        {
            return reject(RejectReason.BATTERY_OUT_OF_RANGE);
        }
        if (t.statusRaw() > MAX_STATUS)
        {
            return reject(RejectReason.UNKNOWN_STATUS);
        }
        return TELEMETRY;
    }

    /** Sets the reject reason when the id is not positive, or outside the accepted range. */
    private boolean acceptableDroneId(final long droneId)
    {
        if (droneId <= 0)
        {
            reject(RejectReason.INVALID_DRONE_ID);
            return false;
        }
        if (droneId < minDroneId || droneId > maxDroneId)
        {
            reject(RejectReason.DRONE_ID_OUT_OF_RANGE);
            return false;
        }
        return true;
    }

    /** Sets the reject reason when a verifier is set and the frame does not verify. */
    private boolean authentic()
    {
        if (verifier == null)
        {
            return true;
        }
        final RejectReason refused = verifier.verify(frame, frameOffset, frameLength);
        if (refused != null)
        {
            reject(refused);
            return false;
        }
        return true;
    }

    private int reject(final RejectReason reason)
    {
        rejectReason = reason;
        return REJECTED;
    }

    public RejectReason rejectReason()
    {
        return rejectReason;
    }

    public MessageHeaderDecoder header()
    {
        return header;
    }

    public TelemetryDecoder telemetry()
    {
        return telemetry;
    }

    public CommandStatusDecoder commandStatus()
    {
        return commandStatus;
    }

    /** Port where the drone of the current heartbeat takes commands; 0 for none or a sender older than version 3. */
    public int heartbeatCommandPort()
    {
        return hasCommandEndpoint() ? heartbeat.commandPort() : 0;
    }

    /** IPv4 address (as an int) where the drone of the current heartbeat takes commands; 0 for none. */
    public int heartbeatCommandAddress()
    {
        return hasCommandEndpoint() ? (int)heartbeat.commandAddress() : 0;
    }

    private boolean hasCommandEndpoint()
    {
        return header.version() >= 3 && header.blockLength() >= HeartbeatDecoder.linkIdEncodingOffset();
    }

    public HeartbeatDecoder heartbeat()
    {
        return heartbeat;
    }

    /** Climb rate of the current telemetry frame; 0 for version-1 senders, which do not report it. */
    public float climbRate()
    {
        final float climbRate = telemetry.climbRate();
        return Float.isNaN(climbRate) ? 0f : climbRate;
    }

    /** Status ordinal of the current telemetry frame (validated to be a known value). */
    public int statusCode()
    {
        return telemetry.statusRaw();
    }
}
