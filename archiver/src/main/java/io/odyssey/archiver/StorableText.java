package io.odyssey.archiver;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What PostgreSQL can store as {@code text}: UTF-8 without U+0000 and without lone surrogates (Java strings can hold
 * both; the server refuses the first with {@code invalid byte sequence for encoding "UTF8": 0x00}, and the JDK turns the
 * second into '?' on encoding, silently changing the value). Checked before a row is encoded, so such an entry becomes
 * a dead letter instead of a refused batch.
 */
final class StorableText
{
    /** Longest cause kept with a dead letter: the exception text of a refused row can quote the whole row. */
    static final int MAX_CAUSE_CHARS = 1_000;

    private StorableText()
    {
    }

    /** @return null when {@code text} can be stored as is, otherwise what is wrong with it. */
    static String problem(final String text)
    {
        for (int i = 0, n = text.length(); i < n; i++)
        {
            final char c = text.charAt(i);
            if (c == 0)
            {
                return "contains U+0000 at character " + i;
            }
            if (Character.isHighSurrogate(c))
            {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1)))
                {
                    i++;
                    continue;
                }
                return "contains a lone surrogate at character " + i;
            }
            if (Character.isLowSurrogate(c))
            {
                return "contains a lone surrogate at character " + i;
            }
        }
        return null;
    }

    /** Decodes strictly: invalid UTF-8 is an error, not a replacement character. */
    static String decodeUtf8(final byte[] bytes) throws CharacterCodingException
    {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
    }

    /**
     * A message made fit for the {@code cause} column: control characters shown as {@code \\uXXXX}, lone surrogates
     * replaced, at most {@link #MAX_CAUSE_CHARS}. Never refused by the database, whatever the message quoted.
     */
    static String cause(final String message)
    {
        final String text = message == null ? "(no message)" : message;
        final StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_CAUSE_CHARS) + 16);
        int i = 0;
        for (final int n = text.length(); i < n && out.length() < MAX_CAUSE_CHARS; i++)
        {
            final char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F)
            {
                out.append(String.format("\\u%04x", (int)c));
            }
            else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                out.append(c).append(text.charAt(++i));
            }
            else if (Character.isSurrogate(c))
            {
                out.append('\uFFFD');
            }
            else
            {
                out.append(c);
            }
        }
        if (i < text.length() || out.length() > MAX_CAUSE_CHARS)
        {
            out.setLength(MAX_CAUSE_CHARS - 1);
            if (Character.isHighSurrogate(out.charAt(out.length() - 1)))
            {
                out.setLength(out.length() - 1);
            }
            out.append('\u2026');
        }
        return out.toString();
    }
}
