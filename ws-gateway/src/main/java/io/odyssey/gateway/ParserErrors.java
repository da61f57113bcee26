package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.odyssey.runtime.SafeText;

import java.io.IOException;

/**
 * What a JSON parser found wrong with a client's text, as the client is told it (REST 400s and WebSocket errors alike):
 * the first line of the parser's message, without where (the client has its text), cut short and with control
 * characters replaced. Jackson quotes what it found, so a duplicate field name of a megabyte, or one of terminal
 * escapes, would otherwise come back in full and reach whatever shows the answer.
 */
public final class ParserErrors
{
    /** Characters of the parser's message a client is shown at most. */
    static final int MAX_REASON = 80;

    private ParserErrors()
    {
    }

    /** @return the reason, starting lower case, or "" when the parser gave none. */
    public static String reason(final IOException ex)
    {
        final String message = ex instanceof JsonProcessingException json ? json.getOriginalMessage() : ex.getMessage();
        final String line = message == null ? "" : message.lines().findFirst().orElse("");
        if (line.isEmpty())
        {
            return line;
        }
        final String lowered = Character.toLowerCase(line.charAt(0)) + line.substring(1);
        final String safe = SafeText.sanitised(lowered, MAX_REASON);
        return safe.codePointCount(0, safe.length()) < lowered.codePointCount(0, lowered.length()) ? safe + "..." : safe;
    }
}
