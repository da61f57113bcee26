package io.odyssey.grid.ledger;

import io.odyssey.codecs.sbe.CommandType;

import java.util.Locale;

/** The contract's command names ({@code return-to-home}) and the wire's {@link CommandType}, in one place. */
public final class CommandTypes
{
    private CommandTypes()
    {
    }

    public static String wireName(final CommandType type)
    {
        // The one name the contract spells out in full: operators say "return to home".
        return type == CommandType.RETURN_HOME ? "return-to-home" : type.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** @return the wire type for a contract name, or null for a name that is not a command. */
    public static CommandType fromWireName(final String name)
    {
        if (name == null)
        {
            return null;
        }
        for (final CommandType type : CommandType.values())
        {
            if (type != CommandType.NULL_VAL && wireName(type).equals(name))
            {
                return type;
            }
        }
        return null;
    }
}
