package io.odyssey.codecs.sign;

import io.odyssey.runtime.AtomicFile;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.SecretFile;
import io.odyssey.runtime.Setting;
import org.agrona.collections.Long2ObjectHashMap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * The drone keys a process holds: an immutable snapshot read from a key file (owner-only, through {@link SecretFile}).
 * <p>
 * One line per drone: {@code <drone id> <key, 64 hex digits>}, optionally followed by {@code <previous key> <epoch
 * second until which the previous key is still accepted>} while a rotation's grace period runs; {@code #} starts a
 * comment. A drone without a line has no key: its frames are refused ({@code UNKNOWN_KEY}); that is revocation.
 */
public final class DroneKeys
{
    /** Enough for a million drones' lines; a larger file is not a key file. */
    public static final long MAX_FILE_BYTES = 256L * 1024 * 1024;

    /** One drone's keys: the current one signs, the previous one still verifies until {@link #previousUntilNanos}. */
    public record Entry(DroneKey current, DroneKey previous, long previousUntilNanos)
    {
        public String toString()
        {
            return "keys of drone " + current.droneId() + (previous == null ? "" : " (and a previous key)");
        }
    }

    private static final DroneKeys NONE = new DroneKeys(new Long2ObjectHashMap<>());
    private final Long2ObjectHashMap<Entry> entries;

    private DroneKeys(final Long2ObjectHashMap<Entry> entries)
    {
        this.entries = entries;
    }

    public static DroneKeys none()
    {
        return NONE;
    }

    /** Fixed keys, each the current key of its drone (tests, benchmarks). */
    public static DroneKeys of(final DroneKey... keys)
    {
        final Long2ObjectHashMap<Entry> entries = new Long2ObjectHashMap<>();
        for (final DroneKey key : keys)
        {
            entries.put(key.droneId(), new Entry(key, null, 0));
        }
        return new DroneKeys(entries);
    }

    /**
     * {@code base} (the key file's keys) with {@code overrides} in place of its entries: a drone in {@code overrides}
     * has exactly the keys given there, none when its value is null (revoked), whatever {@code base} holds for it.
     */
    public static DroneKeys overlaid(final DroneKeys base, final java.util.Map<Long, Entry> overrides)
    {
        if (overrides.isEmpty())
        {
            return base;
        }
        final Long2ObjectHashMap<Entry> entries = new Long2ObjectHashMap<>();
        base.entries.forEach(entries::put);
        overrides.forEach((droneId, entry) ->
        {
            if (entry == null)
            {
                entries.remove(droneId.longValue());
            }
            else
            {
                entries.put(droneId.longValue(), entry);
            }
        });
        return new DroneKeys(entries);
    }

    /** The keys of one drone, null for a drone without a key. Allocation-free. */
    public Entry entry(final long droneId)
    {
        return entries.get(droneId);
    }

    public int size()
    {
        return entries.size();
    }

    /**
     * Reads a key file.
     *
     * @throws ConfigurationException naming the setting, the file and the line number (never a key) when it is not
     *                                owner-only, holds a placeholder, or a line does not parse.
     */
    public static DroneKeys load(final Setting setting, final Path file)
    {
        final Long2ObjectHashMap<Entry> entries = new Long2ObjectHashMap<>();
        final List<String> lines = SecretFile.readLines(setting, file, MAX_FILE_BYTES);
        for (int i = 0; i < lines.size(); i++)
        {
            final Entry entry = parse(setting, file, i + 1, lines.get(i));
            if (entry != null && entries.put(entry.current().droneId(), entry) != null)
            {
                throw setting.invalid(file.toString(), "one line per drone (drone " + entry.current().droneId() +
                    " again on line " + (i + 1) + ")");
            }
        }
        return new DroneKeys(entries);
    }

    private static Entry parse(final Setting setting, final Path file, final int number, final String line)
    {
        final int comment = line.indexOf('#');
        final String text = (comment >= 0 ? line.substring(0, comment) : line).strip();
        if (text.isEmpty())
        {
            return null;
        }
        final String[] parts = text.split("\\s+");
        if (parts.length != 2 && parts.length != 4)
        {
            throw malformed(setting, file, number);
        }
        try
        {
            final long droneId = Long.parseLong(parts[0]);
            if (droneId <= 0)
            {
                throw malformed(setting, file, number);
            }
            final DroneKey current = key(droneId, parts[1], setting, file, number);
            if (parts.length == 2)
            {
                return new Entry(current, null, 0);
            }
            final long untilSeconds = Long.parseLong(parts[3]);
            return new Entry(current, key(droneId, parts[2], setting, file, number),
                Math.multiplyExact(untilSeconds, 1_000_000_000L));
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw malformed(setting, file, number);
        }
    }

    private static DroneKey key(
        final long droneId, final String hex, final Setting setting, final Path file, final int number)
    {
        if (hex.length() != 2 * DroneKey.LENGTH)
        {
            throw malformed(setting, file, number);
        }
        try
        {
            return new DroneKey(droneId, HexFormat.of().parseHex(hex));
        }
        catch (final IllegalArgumentException ex)
        {
            throw malformed(setting, file, number);
        }
    }

    private static ConfigurationException malformed(final Setting setting, final Path file, final int number)
    {
        return setting.invalid(file.toString(), "a key file of lines '<drone id> <64 hex digits>' (optionally " +
            "followed by '<previous key> <epoch second it expires>'); line " + number + " is not one");
    }

    /**
     * Gives every drone in {@code [firstId, lastId]} that has no key a fresh random one, keeping the others: what
     * {@code ./odyssey up} runs once per data directory (and again, adding only the new ones, when it flies more
     * drones). The file is replaced atomically and stays owner-only.
     *
     * @return how many keys were added.
     */
    public static int provision(final Setting setting, final Path file, final long firstId, final long lastId)
    {
        final TreeMap<Long, String> lines = Files.exists(file) ? lines(setting, file) : new TreeMap<>();
        final SecureRandom random = new SecureRandom();
        int added = 0;
        for (long id = firstId; id <= lastId; id++)
        {
            if (!lines.containsKey(id))
            {
                lines.put(id, id + " " + randomKey(random));
                added++;
            }
        }
        if (added > 0 || !Files.exists(file))
        {
            write(file, lines);
        }
        return added;
    }

    /**
     * A new key for one drone (added when it had none); its old key stays valid for {@code graceSeconds}.
     *
     * @return the new key, hex, to be loaded into the drone.
     */
    public static String rotate(final Setting setting, final Path file, final long droneId, final long graceSeconds,
        final long nowEpochSeconds)
    {
        final TreeMap<Long, String> lines = Files.exists(file) ? lines(setting, file) : new TreeMap<>();
        final String fresh = randomKey(new SecureRandom());
        final String old = lines.get(droneId);
        lines.put(droneId, old == null || graceSeconds <= 0 ? droneId + " " + fresh :
            droneId + " " + fresh + " " + old.split("\\s+")[1] + " " + (nowEpochSeconds + graceSeconds));
        write(file, lines);
        return fresh;
    }

    /** Removes a drone's key(s): from the next reload its frames are refused as UNKNOWN_KEY. */
    public static boolean revoke(final Setting setting, final Path file, final long droneId)
    {
        final TreeMap<Long, String> lines = lines(setting, file);
        final boolean removed = lines.remove(droneId) != null;
        write(file, lines);
        return removed;
    }

    /** The drone ids with a key, in order (what `drones keys list` shows: never the keys). */
    public static List<Long> droneIds(final Setting setting, final Path file)
    {
        return new ArrayList<>(lines(setting, file).keySet());
    }

    private static TreeMap<Long, String> lines(final Setting setting, final Path file)
    {
        load(setting, file);
        final TreeMap<Long, String> lines = new TreeMap<>();
        for (final String line : SecretFile.readLines(setting, file, MAX_FILE_BYTES))
        {
            final String text = line.strip();
            if (!text.isEmpty() && !text.startsWith("#"))
            {
                lines.put(Long.parseLong(text.split("\\s+")[0]), text);
            }
        }
        return lines;
    }

    /** A fresh random key, as the 64 hex digits a key file (or a drone) takes. */
    public static String freshKeyHex()
    {
        return randomKey(new SecureRandom());
    }

    private static String randomKey(final SecureRandom random)
    {
        final byte[] key = new byte[DroneKey.LENGTH];
        random.nextBytes(key);
        return HexFormat.of().formatHex(key);
    }

    private static void write(final Path file, final TreeMap<Long, String> lines)
    {
        final StringBuilder text = new StringBuilder("# Odyssey drone link keys: <drone id> <key> [<previous key> " +
            "<epoch second it expires>]. Owner-only; never commit.\n");
        lines.values().forEach(line -> text.append(line).append('\n'));
        try
        {
            AtomicFile.write(file, text);
        }
        catch (final IOException ex)
        {
            throw new ConfigurationException("cannot write the drone key file " + file + ": " + ex.getMessage());
        }
    }
}
