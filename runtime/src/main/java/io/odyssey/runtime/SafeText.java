package io.odyssey.runtime;

/**
 * The one rule for text that Odyssey stores, logs or shows: what a person or a machine sends as a name, a key or a
 * reason must survive every place it goes. It goes to PostgreSQL ({@code text} cannot hold U+0000: one NUL in a
 * command's key stopped the command archive for good), to log lines (a newline forges a line), to terminals (escape
 * sequences), to the dashboard and to the audit (right-to-left overrides make "ops" read as someone else).
 * <p>
 * Refused: every C0 control character (U+0000–U+001F, tab included: these are one-line fields, and a tab in a name
 * only misleads), DEL (U+007F), every C1 control (U+0080–U+009F), the line and paragraph separators (U+2028,
 * U+2029), the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and marks (U+200E,
 * U+200F, U+061C: invisible, they still reorder what stands around them), and lone UTF-16
 * surrogates (a Java string can hold them, UTF-8 cannot). Length is counted in code points. Everything else of Unicode
 * is welcome: names are not ASCII everywhere.
 * <p>
 * At the edge (the REST API) such text is refused with a problem naming the field ({@link #violation}); where a
 * record is written that others must be able to store whatever its source (the command ledger), it is repaired
 * instead ({@link #sanitised}), so one bad value never stalls a writer.
 */
public final class SafeText
{
    /** What {@link #sanitised} puts in place of a character that may not be stored. */
    public static final char REPLACEMENT = '\uFFFD';

    private SafeText()
    {
    }

    /**
     * @param text          the text, not null.
     * @param maxCodePoints the most code points it may have.
     * @return why the text may not be stored as it is ("contains the control character U+0000 at position 4"), or
     *         null when it may.
     */
    public static String violation(final CharSequence text, final int maxCodePoints)
    {
        int codePoints = 0;
        final int length = text.length();
        for (int i = 0; i < length; i++)
        {
            final char c = text.charAt(i);
            codePoints++;
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                i++;
                continue;
            }
            if (Character.isSurrogate(c))
            {
                return "contains a lone UTF-16 surrogate (" + hex(c) + ") at position " + codePoints +
                    ", which is not a character and cannot be encoded as UTF-8";
            }
            if (forbidden(c))
            {
                return "contains the " + kind(c) + " " + hex(c) + " at position " + codePoints;
            }
        }
        if (codePoints > maxCodePoints)
        {
            return "is longer than " + maxCodePoints + " characters (" + codePoints + ")";
        }
        return null;
    }

    /** Whether {@code text} may be stored as it is: {@code violation(text, maxCodePoints) == null}. */
    public static boolean isSafe(final CharSequence text, final int maxCodePoints)
    {
        return violation(text, maxCodePoints) == null;
    }

    /**
     * The text with every character {@link #violation} objects to replaced by U+FFFD and cut to
     * {@code maxCodePoints}; the very same instance when nothing had to change (so callers can tell, and count).
     *
     * @param text null stays null.
     */
    public static String sanitised(final String text, final int maxCodePoints)
    {
        if (text == null || isSafe(text, maxCodePoints))
        {
            return text;
        }
        final StringBuilder out = new StringBuilder(Math.min(text.length(), maxCodePoints * 2));
        int codePoints = 0;
        for (int i = 0; i < text.length() && codePoints < maxCodePoints; i++)
        {
            final char c = text.charAt(i);
            codePoints++;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                out.append(c).append(text.charAt(++i));
            }
            else
            {
                out.append(Character.isSurrogate(c) || forbidden(c) ? REPLACEMENT : c);
            }
        }
        return out.toString();
    }

    /**
     * The text made safe to print on a terminal (the CLI shows what servers send): every character
     * {@link #violation} objects to replaced by U+FFFD, so no escape sequence reaches the terminal and, for one-line
     * text, no newline forges a line. With {@code multiLine}, newlines, CR-LF pairs and tabs stay (they move the cursor
     * only where text is meant to go on); a lone CR, which would let a line overwrite itself, does not. Lone surrogates
     * are left alone: they do nothing to a terminal, and text printed in pieces may split a pair between two of them.
     *
     * @return the very same instance when nothing had to change.
     */
    public static String printable(final CharSequence text, final boolean multiLine)
    {
        final int length = text.length();
        StringBuilder out = null;
        for (int i = 0; i < length; i++)
        {
            final char c = text.charAt(i);
            final boolean kept = !forbidden(c) ||
                multiLine && (c == '\n' || c == '\t' || c == '\r' && i + 1 < length && text.charAt(i + 1) == '\n');
            if (!kept && out == null)
            {
                out = new StringBuilder(length).append(text, 0, i);
            }
            if (out != null)
            {
                out.append(kept ? c : REPLACEMENT);
            }
        }
        return out == null ? text.toString() : out.toString();
    }

    /** Whether {@link #violation} objects to this character wherever it stands (surrogates aside). */
    public static boolean isForbidden(final char c)
    {
        return forbidden(c);
    }

    private static boolean forbidden(final char c)
    {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' ||
            (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') ||
            c == '\u200E' || c == '\u200F' || c == '\u061C';
    }

    private static String kind(final char c)
    {
        if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
        {
            return "control character";
        }
        return c == '\u2028' || c == '\u2029' ? "line separator" : "bidirectional control";
    }

    private static String hex(final char c)
    {
        return String.format("U+%04X", (int)c);
    }
}
