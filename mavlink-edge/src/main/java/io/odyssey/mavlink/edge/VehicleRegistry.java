package io.odyssey.mavlink.edge;

import io.odyssey.runtime.Setting;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Which MAVLink vehicle is which Odyssey drone: system id (1..255) → drone id, and whether the vehicle may send
 * unsigned frames. A vehicle not in the registry is refused (an unknown system id says nothing about who sent it).
 * Read from a file, one line per vehicle: {@code SYSTEM_ID DRONE_ID [unsigned]}, {@code #} starts a comment.
 */
final class VehicleRegistry
{
    /** MAVLink system ids are 1..255 (0 is the broadcast address, never a sender). */
    static final int MAX_SYSTEM_ID = 255;

    private final long[] droneIds = new long[MAX_SYSTEM_ID + 1];
    private final boolean[] unsigned = new boolean[MAX_SYSTEM_ID + 1];
    private int size;

    /** The drone a system id flies as, or 0 when the vehicle is not registered. */
    /** The system id of {@code droneId}'s vehicle, 0 for a drone that is no vehicle here (a scan: commands are rare). */
    int systemId(final long droneId)
    {
        for (int systemId = 1; systemId <= MAX_SYSTEM_ID; systemId++)
        {
            if (droneIds[systemId] == droneId)
            {
                return systemId;
            }
        }
        return 0;
    }

    long droneId(final int systemId)
    {
        return droneIds[systemId];
    }

    boolean allowsUnsigned(final int systemId)
    {
        return unsigned[systemId];
    }

    int size()
    {
        return size;
    }

    /** Registers a vehicle (tests, and the file). */
    VehicleRegistry register(final int systemId, final long droneId, final boolean allowUnsigned)
    {
        if (systemId < 1 || systemId > MAX_SYSTEM_ID)
        {
            throw new IllegalArgumentException("a MAVLink system id is 1..255, not " + systemId);
        }
        if (droneId < 1 || droneId > io.odyssey.codecs.TelemetryFrameReader.MAX_DRONE_ID)
        {
            throw new IllegalArgumentException("drone id " + droneId + " is out of range");
        }
        if (droneIds[systemId] != 0)
        {
            throw new IllegalArgumentException("system id " + systemId + " is registered twice");
        }
        for (final long existing : droneIds)
        {
            if (existing == droneId)
            {
                throw new IllegalArgumentException("drone " + droneId + " is given to two system ids");
            }
        }
        droneIds[systemId] = droneId;
        unsigned[systemId] = allowUnsigned;
        size++;
        return this;
    }

    /**
     * Reads a registry file.
     *
     * @throws io.odyssey.runtime.ConfigurationException naming the setting, the file and the line when a line does
     *                                                   not parse or repeats a vehicle or a drone.
     */
    static VehicleRegistry load(final Setting setting, final Path file)
    {
        final VehicleRegistry registry = new VehicleRegistry();
        final List<String> lines;
        try
        {
            if (Files.exists(file) && !Files.isRegularFile(file))
            {
                // A device or a pipe reports no size: reading one could fill the heap or block the start for ever.
                throw setting.invalid(file.toString(), "a regular file (a vehicle registry)");
            }
            if (Files.size(file) > 1024 * 1024)
            {
                throw setting.invalid(file.toString(), "a vehicle registry under 1 MB");
            }
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw setting.invalid(file.toString(), "a readable vehicle registry (" + ex.getMessage() + ")");
        }
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).replaceFirst("#.*", "").trim();
            if (line.isEmpty())
            {
                continue;
            }
            final String[] fields = line.split("\\s+");
            try
            {
                if (fields.length < 2 || fields.length > 3 || fields.length == 3 && !"unsigned".equals(fields[2]))
                {
                    throw new IllegalArgumentException("expected 'SYSTEM_ID DRONE_ID [unsigned]'");
                }
                registry.register(Integer.parseInt(fields[0]), Long.parseLong(fields[1]), fields.length == 3);
            }
            catch (final IllegalArgumentException ex)
            {
                throw setting.invalid(file + " line " + (i + 1), ex.getMessage() + " (got '" +
                    Arrays.toString(fields) + "')");
            }
        }
        return registry;
    }
}
