package io.odyssey.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * One documented configuration key of an Odyssey process.
 * <p>
 * Each process declares its settings as constants in one {@code *Config} class; the value is read from the
 * environment variable {@link #envName()}, then from the system property {@link #propertyName()}, then falls
 * back to the default. {@code --help} and the docs tables are rendered from the same constants via
 * {@link #describe(List)}, so documentation cannot drift from the code.
 */
public final class Setting
{
    private final String envName;
    private final String defaultValue;
    private final String description;
    private final boolean fromEnvironment;

    private Setting(
        final String envName, final String defaultValue, final String description, final boolean fromEnvironment)
    {
        if (fromEnvironment && !envName.startsWith("ODYSSEY_"))
        {
            throw new IllegalArgumentException("setting names start with ODYSSEY_: " + envName);
        }
        this.envName = envName;
        this.defaultValue = defaultValue;
        this.description = Objects.requireNonNull(description);
        this.fromEnvironment = fromEnvironment;
    }

    /**
     * @param envName      environment variable, e.g. {@code ODYSSEY_INGEST_ENDPOINT}.
     * @param defaultValue value when neither the variable nor the property is set; may be null for "unset".
     * @param description  one line for operators.
     */
    public static Setting of(final String envName, final String defaultValue, final String description)
    {
        return new Setting(envName, defaultValue, description, true);
    }

    /**
     * A value the user typed on a command line (e.g. a CLI command's {@code FILE}), for code that reports a bad value
     * by its {@link Setting}: errors name it as the command's help does, never an environment variable nothing reads,
     * and it is never read from the environment or the system properties.
     *
     * @param label as the command's usage shows it, e.g. {@code FILE}.
     */
    public static Setting argument(final String label, final String description)
    {
        return new Setting(label, null, description, false);
    }

    public String envName()
    {
        return envName;
    }

    /** {@code ODYSSEY_INGEST_ENDPOINT} is also readable as {@code -Dodyssey.ingest.endpoint}. */
    public String propertyName()
    {
        return envName.toLowerCase().replace('_', '.');
    }

    public String defaultValue()
    {
        return defaultValue;
    }

    public String description()
    {
        return description;
    }

    public String get()
    {
        return resolve(System.getenv(), System.getProperties());
    }

    /** Resolution with explicit sources, so tests need not mutate the process environment. */
    public String resolve(final Map<String, String> env, final Properties properties)
    {
        if (!fromEnvironment)
        {
            return defaultValue;
        }
        final String fromEnv = env.get(envName);
        if (fromEnv != null && !fromEnv.isBlank())
        {
            return fromEnv.trim();
        }
        final String fromProperty = properties.getProperty(propertyName());
        if (fromProperty != null && !fromProperty.isBlank())
        {
            return fromProperty.trim();
        }
        return defaultValue;
    }

    public int intValue()
    {
        return parseInt(get());
    }

    public long longValue()
    {
        return parseLong(get());
    }

    public double doubleValue()
    {
        return parseDouble(get());
    }

    /**
     * A finite number: NaN and the infinities parse as doubles but slip through range checks written as
     * {@code x < min || x > max} (NaN compares false to everything), so they are refused here, for every setting.
     */
    public double parseDouble(final String value)
    {
        final double parsed;
        try
        {
            parsed = Double.parseDouble(value);
        }
        catch (final RuntimeException ex)
        {
            throw invalid(value, "a number");
        }
        if (!Double.isFinite(parsed))
        {
            throw invalid(value, "a finite number");
        }
        return parsed;
    }

    public int parseInt(final String value)
    {
        try
        {
            return Integer.parseInt(value);
        }
        catch (final RuntimeException ex)
        {
            throw invalid(value, "an integer");
        }
    }

    public long parseLong(final String value)
    {
        try
        {
            return Long.parseLong(value);
        }
        catch (final RuntimeException ex)
        {
            throw invalid(value, "an integer");
        }
    }

    /** The error a process fails fast with: it names the setting, the bad value and what was expected. */
    public ConfigurationException invalid(final String value, final String expected)
    {
        return new ConfigurationException(envName + " must be " + expected + ", got '" + value + "'");
    }

    /** A plain-text table for {@code --help}. */
    public static String describe(final List<Setting> settings)
    {
        final StringBuilder out = new StringBuilder();
        int width = 0;
        for (final Setting setting : settings)
        {
            width = Math.max(width, setting.envName.length());
        }
        for (final Setting setting : settings)
        {
            out.append("  ").append(setting.envName);
            out.append(" ".repeat(width - setting.envName.length() + 2));
            out.append(setting.description);
            out.append(" (default: ").append(setting.defaultValue == null ? "unset" : setting.defaultValue).append(")\n");
        }
        return out.toString();
    }

    /** A markdown table for the docs. */
    public static String describeMarkdown(final List<Setting> settings)
    {
        final StringBuilder out = new StringBuilder("| variable | default | meaning |\n|---|---|---|\n");
        for (final Setting setting : settings)
        {
            out.append("| `").append(setting.envName).append("` | ")
                .append(setting.defaultValue == null || setting.defaultValue.isEmpty() ? "—" : "`" + setting.defaultValue + "`")
                .append(" | ").append(setting.description).append(" |\n");
        }
        return out.toString();
    }

    public String toString()
    {
        return envName + "=" + get();
    }
}
