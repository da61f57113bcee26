package io.odyssey.runtime;

/** A setting that cannot be used; the message names the setting so the operator can fix it. */
public final class ConfigurationException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public ConfigurationException(final String message)
    {
        super(message);
    }
}
