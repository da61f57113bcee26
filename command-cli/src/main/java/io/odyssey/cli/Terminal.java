package io.odyssey.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.odyssey.runtime.SafeText;

import java.io.FilterWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * What the CLI prints of a server's text, made safe for the operator's terminal. A hostile or intercepted
 * {@code --server}, or anyone who can plant text in the grid (a command's reason, a token's name), could otherwise send
 * escape sequences that write the clipboard ({@code ESC ] 52}), retitle the window or redraw the screen, or newlines
 * that forge lines of output. The rule is {@link SafeText}'s, the one every Odyssey process applies to text it stores:
 * C0 and C1 controls, DEL, line separators and bidirectional controls become U+FFFD.
 * <p>
 * Three ways, one rule: {@link #line} for a value shown within a line (a table cell, a field of a tail's line: a
 * newline goes too); {@link #writer} around everything a command prints, which keeps newlines and tabs, so whatever
 * reaches the terminal is safe even where a field was not cleaned one by one; and {@link #json} for {@code --json},
 * which escapes those characters as {@code \}{@code uXXXX} (upper-case hex, as Jackson writes C0), so the JSON printed means exactly what the server sent.
 */
final class Terminal
{
    private static final ObjectWriter JSON = new ObjectMapper().writer().with(new ControlEscapes());

    private Terminal()
    {
    }

    /** Text shown within one line: every control character, newlines included, replaced. */
    static String line(final CharSequence text)
    {
        return SafeText.printable(text, false);
    }

    /** Text that may go on over several lines (an error message, an export): newlines and tabs kept. */
    static String lines(final CharSequence text)
    {
        return SafeText.printable(text, true);
    }

    /** A writer printing to {@code target} what {@link #lines} leaves of everything written to it. */
    static PrintWriter writer(final PrintWriter target)
    {
        return new PrintWriter(new FilterWriter(target)
        {
            public void write(final int c)
            {
                target.write(lines(String.valueOf((char)c)));
            }

            public void write(final char[] chars, final int offset, final int length)
            {
                target.write(lines(java.nio.CharBuffer.wrap(chars, offset, length)));
            }

            public void write(final String text, final int offset, final int length)
            {
                target.write(lines(text.subSequence(offset, offset + length)));
            }
        }, true);
    }

    /** The JSON on one line, every character {@link SafeText} forbids escaped (Jackson escapes only C0 itself). */
    static String json(final JsonNode json)
    {
        try
        {
            return JSON.writeValueAsString(json);
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Jackson's escapes for JSON, plus DEL, C1, line separators and bidi controls as {@code \}{@code uXXXX}. */
    private static final class ControlEscapes extends CharacterEscapes
    {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = standardAsciiEscapesForJSON();

        ControlEscapes()
        {
            ascii[0x7F] = ESCAPE_STANDARD;
        }

        public int[] getEscapeCodesForAscii()
        {
            return ascii;
        }

        public SerializableString getEscapeSequence(final int c)
        {
            return c <= Character.MAX_VALUE && SafeText.isForbidden((char)c) ?
                new SerializedString(String.format(Locale.ROOT, "\\u%04X", c)) : null;
        }
    }
}
