package io.odyssey.gateway.control;

import java.util.Locale;

/** What a token may do; each role may do everything the ones before it may. */
public enum Role
{
    VIEWER, OPERATOR, ADMIN;

    public boolean allows(final Role needed)
    {
        return ordinal() >= needed.ordinal();
    }

    public String wireName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the role, or null for anything else. */
    public static Role parse(final String name)
    {
        for (final Role role : values())
        {
            if (role.wireName().equals(name == null ? null : name.trim().toLowerCase(Locale.ROOT)))
            {
                return role;
            }
        }
        return null;
    }
}
