package io.odyssey.runtime;

import java.util.ArrayList;
import java.util.List;

/** Parses and checks {@code host:port} lists from settings, failing with the setting's name. */
public final class Endpoints
{
    private Endpoints()
    {
    }

    public static List<String> parse(final Setting setting, final String value)
    {
        final List<String> endpoints = new ArrayList<>();
        for (final String part : value.split(","))
        {
            final String endpoint = part.trim();
            final int colon = endpoint.lastIndexOf(':');
            if (colon <= 0 || colon == endpoint.length() - 1)
            {
                throw setting.invalid(value, "a comma-separated list of host:port");
            }
            final int port = setting.parseInt(endpoint.substring(colon + 1));
            if (port < 1 || port > 65535)
            {
                throw setting.invalid(value, "host:port with a port between 1 and 65535");
            }
            endpoints.add(endpoint);
        }
        return List.copyOf(endpoints);
    }
}
