package io.odyssey.codecs.sign;

import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The current {@link DroneKeys} of a process, re-read when the key file changes (a rotation or revocation reaches a
 * running process without a restart). Signers and verifiers read {@link #keys()} per frame (one volatile read);
 * {@link #reloadIfChanged()} runs on a cold thread. A file that stops parsing keeps the last good keys (and says so).
 * <p>
 * Keys managed through the API (kept sealed in the grid) are laid over the file's with {@link #overlay}: for a drone in
 * both, the grid's record wins (docs/architecture.md, "Trust").
 */
public final class DroneKeyRing
{
    private static final Logger LOG = LoggerFactory.getLogger(DroneKeyRing.class);
    private final Setting setting;
    private final Path file;
    private volatile DroneKeys keys;
    private DroneKeys fileKeys;
    private java.util.Map<Long, DroneKeys.Entry> overrides = java.util.Map.of();
    private FileTime loadedModified;
    private long loadedSize;

    private DroneKeyRing(final Setting setting, final Path file, final DroneKeys keys)
    {
        this.setting = setting;
        this.file = file;
        this.keys = keys;
        this.fileKeys = keys;
    }

    /** Loads the key file now: a process does not start on a key file it cannot read. */
    public static DroneKeyRing load(final Setting setting, final Path file)
    {
        final DroneKeyRing ring = new DroneKeyRing(setting, file, DroneKeys.none());
        ring.fileKeys = DroneKeys.load(setting, file);
        ring.keys = ring.fileKeys;
        ring.remember();
        return ring;
    }

    /** Fixed keys (tests, benchmarks). */
    public static DroneKeyRing of(final DroneKeys keys)
    {
        return new DroneKeyRing(null, null, keys);
    }

    public DroneKeys keys()
    {
        return keys;
    }

    public Path file()
    {
        return file;
    }

    /**
     * Replaces the keys laid over the file's: each drone in {@code overrides} has exactly the keys given there (none
     * when its value is null). Cold path; the verifiers see the result with their next frame.
     */
    public synchronized void overlay(final java.util.Map<Long, DroneKeys.Entry> overrides)
    {
        // A copy that keeps null values (revocations), which Map.copyOf would refuse.
        this.overrides = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(overrides));
        keys = DroneKeys.overlaid(fileKeys, this.overrides);
    }

    /** @return true when the file had changed and its new keys are in use. */
    public synchronized boolean reloadIfChanged()
    {
        if (file == null)
        {
            return false;
        }
        try
        {
            if (Files.getLastModifiedTime(file).equals(loadedModified) && Files.size(file) == loadedSize)
            {
                return false;
            }
            fileKeys = DroneKeys.load(setting, file);
            keys = DroneKeys.overlaid(fileKeys, overrides);
            remember();
            LOG.info("drone keys reloaded from {}: {} drones", file, fileKeys.size());
            return true;
        }
        catch (final IOException | ConfigurationException ex)
        {
            LOG.warn("drone keys in {} not reloaded, keeping the {} loaded before: {}", file, keys.size(),
                ex.getMessage());
            return false;
        }
    }

    private void remember()
    {
        try
        {
            loadedModified = Files.getLastModifiedTime(file);
            loadedSize = Files.size(file);
        }
        catch (final IOException ex)
        {
            loadedModified = null;
        }
    }
}
