package io.odyssey.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The few parts of the Prometheus text format the CLI (and the load harness) read: samples with labels. */
public final class PrometheusText
{
    public record Sample(String name, Map<String, String> labels, double value)
    {
    }

    private PrometheusText()
    {
    }

    public static List<Sample> parse(final String text)
    {
        final List<Sample> samples = new ArrayList<>();
        for (final String raw : text.split("\n"))
        {
            final String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final int brace = line.indexOf('{');
            final int space = line.lastIndexOf(' ');
            if (space < 0)
            {
                continue;
            }
            final String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
            final Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0)
            {
                final String body = line.substring(brace + 1, line.lastIndexOf('}'));
                for (final String pair : body.split(","))
                {
                    final int equals = pair.indexOf('=');
                    if (equals > 0)
                    {
                        labels.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim().replace("\"", ""));
                    }
                }
            }
            final String value = line.substring(space + 1);
            samples.add(new Sample(name, labels, "NaN".equals(value) ? Double.NaN : Double.parseDouble(value)));
        }
        return samples;
    }
}
