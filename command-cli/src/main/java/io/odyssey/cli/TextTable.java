package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A table for people: columns as wide as their widest cell, two spaces apart, numbers right-aligned so their digits
 * line up. Missing values print as {@code -}. A cell is one line of printable text ({@link Terminal#line}): what a
 * server put in it can neither move the cursor nor add a row.
 */
final class TextTable
{
    private static final Pattern NUMBER = Pattern.compile("[-+]?\\d+(\\.\\d+)?[%a-z]*");

    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(final String... headers)
    {
        this.headers = headers;
    }

    TextTable row(final Object... cells)
    {
        if (cells.length != headers.length)
        {
            throw new IllegalStateException(cells.length + " cells for " + headers.length + " columns");
        }
        final String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++)
        {
            row[i] = cells[i] == null || "".equals(cells[i]) ? "-" : Terminal.line(String.valueOf(cells[i]));
        }
        rows.add(row);
        return this;
    }

    boolean isEmpty()
    {
        return rows.isEmpty();
    }

    void print(final PrintWriter out)
    {
        final int[] widths = new int[headers.length];
        final boolean[] numeric = new boolean[headers.length];
        for (int c = 0; c < headers.length; c++)
        {
            widths[c] = headers[c].length();
            boolean anyNumber = false;
            boolean allNumbers = true;
            for (final String[] row : rows)
            {
                widths[c] = Math.max(widths[c], row[c].length());
                if (!"-".equals(row[c]))
                {
                    anyNumber |= NUMBER.matcher(row[c]).matches();
                    allNumbers &= NUMBER.matcher(row[c]).matches();
                }
            }
            numeric[c] = anyNumber && allNumbers;
        }
        line(out, headers, widths, numeric);
        for (final String[] row : rows)
        {
            line(out, row, widths, numeric);
        }
        out.flush();
    }

    private static void line(final PrintWriter out, final String[] cells, final int[] widths, final boolean[] numeric)
    {
        final StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.length; c++)
        {
            if (c > 0)
            {
                line.append("  ");
            }
            final String format = "%" + (numeric[c] ? "" : "-") + widths[c] + "s";
            line.append(String.format(Locale.ROOT, format, cells[c]));
        }
        out.println(line.toString().stripTrailing());
    }

    /** A number with a fixed count of decimals, or {@code -} for JSON null or a missing field. */
    static String number(final JsonNode value, final int decimals)
    {
        return value.isNumber() ? String.format(Locale.ROOT, "%." + decimals + "f", value.asDouble()) : "-";
    }

    /** A text field as one printable line ({@link Terminal#line}), or {@code -} for JSON null or a missing field. */
    static String text(final JsonNode value)
    {
        return value.isMissingNode() || value.isNull() ? "-" : Terminal.line(value.asText());
    }
}
