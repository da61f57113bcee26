package io.odyssey.codecs;

import java.util.Locale;

/**
 * What the ground may order a drone to do: the contract's names ({@code return-to-home}) and the wire's code in one
 * place. Every process speaks of commands through this type; only {@link CommandFrameWriter} and
 * {@link CommandFrameReader} see the SBE enum it maps to.
 */
public enum CommandType
{
    TAKEOFF(io.odyssey.codecs.sbe.CommandType.TAKEOFF),
    GOTO(io.odyssey.codecs.sbe.CommandType.GOTO),
    MISSION(io.odyssey.codecs.sbe.CommandType.MISSION),
    HOLD(io.odyssey.codecs.sbe.CommandType.HOLD),
    RESUME(io.odyssey.codecs.sbe.CommandType.RESUME),
    // The one name the contract spells out in full: operators say "return to home".
    RETURN_HOME(io.odyssey.codecs.sbe.CommandType.RETURN_HOME, "return-to-home"),
    LAND(io.odyssey.codecs.sbe.CommandType.LAND),
    SET_SPEED(io.odyssey.codecs.sbe.CommandType.SET_SPEED),
    CANCEL(io.odyssey.codecs.sbe.CommandType.CANCEL),
    STOP(io.odyssey.codecs.sbe.CommandType.STOP);

    private static final CommandType[] VALUES = values();
    private static final CommandType[] BY_CODE = new CommandType[256];

    static
    {
        for (final CommandType type : VALUES)
        {
            BY_CODE[type.wire.value()] = type;
        }
    }

    private final io.odyssey.codecs.sbe.CommandType wire;
    private final String wireName;

    CommandType(final io.odyssey.codecs.sbe.CommandType wire)
    {
        this(wire, null);
    }

    CommandType(final io.odyssey.codecs.sbe.CommandType wire, final String wireName)
    {
        this.wire = wire;
        this.wireName = wireName != null ? wireName : name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The contract's spelling: lower case, dashes ({@code set-speed}, {@code return-to-home}). */
    public String wireName()
    {
        return wireName;
    }

    /** @return the type named {@code name} in the contract, or null for a name that is not a command. */
    public static CommandType fromWireName(final String name)
    {
        for (final CommandType type : VALUES)
        {
            if (type.wireName.equals(name))
            {
                return type;
            }
        }
        return null;
    }

    /** Every contract name, comma-separated in the contract's order: for error messages. */
    public static String wireNames()
    {
        final StringBuilder names = new StringBuilder();
        for (final CommandType type : VALUES)
        {
            names.append(names.length() == 0 ? "" : ", ").append(type.wireName);
        }
        return names.toString();
    }

    /** The code on the wire. */
    io.odyssey.codecs.sbe.CommandType sbe()
    {
        return wire;
    }

    /** @return the type a frame's raw code names, or null for a code this version does not know. */
    public static CommandType fromCode(final int code)
    {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Whether this order flies the drone along a path a geofence may cross. */
    public boolean movesAlongPath()
    {
        return this == GOTO || this == MISSION;
    }
}
