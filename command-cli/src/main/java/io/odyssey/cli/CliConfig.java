package io.odyssey.cli;

import io.odyssey.runtime.Setting;

import java.util.List;
import java.util.Map;

/**
 * The CLI's settings (environment variable, then {@code -D} property, then default; docs/operations.md,
 * "Configuration"). Read from the environment {@link OdysseyCli} was given, so tests can set them.
 */
public final class CliConfig
{
    /**
     * The most the CLI reads of one server answer or message: a server that sends more (hostile, intercepted, or a
     * bug) gets a clear error and exit 3 instead of the CLI's heap. The default leaves room for the largest answers of
     * the API: {@code drones list --limit 100000} and the fleet snapshot of 100,000 drones are about 30 MB.
     */
    public static final Setting MAX_ANSWER_BYTES = Setting.of("ODYSSEY_CLI_MAX_ANSWER_BYTES", String.valueOf(64 * 1024 * 1024),
        "odyssey-cli: the largest HTTP answer (bytes) or WebSocket message (characters) it reads from a server; a larger " +
            "one ends the command with exit 3 (1024..2147483647)");

    public static final List<Setting> ALL = List.of(MAX_ANSWER_BYTES);

    private CliConfig()
    {
    }

    static int maxAnswerBytes(final Map<String, String> environment)
    {
        final String value = MAX_ANSWER_BYTES.resolve(environment, System.getProperties());
        final int bytes = MAX_ANSWER_BYTES.parseInt(value);
        if (bytes < 1024)
        {
            throw MAX_ANSWER_BYTES.invalid(value, "at least 1024");
        }
        return bytes;
    }
}
