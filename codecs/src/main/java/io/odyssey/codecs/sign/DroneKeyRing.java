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
 */
public final class DroneKeyRing
{
    private static final Logger LOG = LoggerFactory.getLogger(DroneKeyRing.class);
    private final Setting setting;
    private final Path file;
    private volatile DroneKeys keys;
    private FileTime loadedModified;
    private long loadedSize;

    private DroneKeyRing(final Setting setting, final Path file, final DroneKeys keys)
    {
        this.setting = setting;
        this.file = file;
        this.keys = keys;
    }

    /** Loads the key file now: a process does not start on a key file it cannot read. */
    public static DroneKeyRing load(final Setting setting, final Path file)
    {
        final DroneKeyRing ring = new DroneKeyRing(setting, file, DroneKeys.none());
        ring.keys = DroneKeys.load(setting, file);
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
            keys = DroneKeys.load(setting, file);
            remember();
            LOG.info("drone keys reloaded from {}: {} drones", file, keys.size());
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
