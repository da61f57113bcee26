package io.odyssey.mavlink.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A MAVLink vehicle that is not Odyssey's code, in a process of its own: {@code src/test/node/vehicle.mjs}, a PX4-like
 * multicopter built on the npm package node-mavlink (which encodes, decodes and signs every frame). What it does comes
 * back as JSON events on its standard output ({@link #events()}). Its npm packages are installed on first use
 * ({@code npm ci} from the committed lock file), as the deployment checks install theirs.
 */
public final class NodeVehicle implements AutoCloseable
{
    /** The program and its packages, found from the module (surefire/failsafe) or from another module of the tree. */
    public static final Path DIRECTORY = locate();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final StringBuilder errors = new StringBuilder();

    /**
     * @param edge     host:port of the MAVLink edge.
     * @param key      the vehicle's signing key (its drone's), or null for an unsigned vehicle.
     * @param options  more of vehicle.mjs's options, e.g. {@code --on-ground}, {@code --lat 52.5}.
     */
    public NodeVehicle(final String edge, final int systemId, final byte[] key, final String... options) throws IOException
    {
        install();
        final List<String> command = new ArrayList<>(List.of("node", DIRECTORY.resolve("vehicle.mjs").toString(),
            "--edge", edge, "--system-id", String.valueOf(systemId), "--stop-with-stdin"));
        command.addAll(List.of(options));
        final ProcessBuilder builder = new ProcessBuilder(command).directory(DIRECTORY.toFile());
        builder.environment().remove("VEHICLE_KEY");
        if (key != null)
        {
            // In the environment, not the command line: other users of the machine can read a process's arguments.
            builder.environment().put("VEHICLE_KEY", HexFormat.of().formatHex(key));
        }
        process = builder.start();
        daemon("node-vehicle-" + systemId + "-out", () -> readEvents(process));
        daemon("node-vehicle-" + systemId + "-err", () ->
        {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)))
            {
                for (String line = err.readLine(); line != null; line = err.readLine())
                {
                    synchronized (errors)
                    {
                        errors.append(line).append('\n');
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the process ended: what it wrote is kept
            }
        });
    }

    private static void daemon(final String name, final Runnable task)
    {
        final Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void readEvents(final Process process)
    {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = out.readLine(); line != null; line = out.readLine())
            {
                try
                {
                    events.add(JSON.readTree(line));
                }
                catch (final IOException ex)
                {
                    synchronized (errors)
                    {
                        errors.append("not an event: ").append(line).append('\n');
                    }
                }
            }
        }
        catch (final IOException ignore)
        {
            // the process ended
        }
    }

    /** Every event so far, in order. */
    public List<JsonNode> events()
    {
        return List.copyOf(events);
    }

    /** The events named {@code name} that match {@code filter}. */
    public List<JsonNode> events(final String name, final Predicate<JsonNode> filter)
    {
        return events.stream().filter(e -> name.equals(e.path("event").asText()) && filter.test(e)).toList();
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** What it wrote on standard error, and its events, for an assertion's message. */
    public String describe()
    {
        synchronized (errors)
        {
            return "vehicle " + (process.isAlive() ? "running" : "exited " + process.exitValue()) + "; stderr:\n" +
                errors + "events: " + events;
        }
    }

    public void close() throws InterruptedException
    {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static synchronized void install() throws IOException
    {
        if (Files.isDirectory(DIRECTORY.resolve("node_modules/node-mavlink")))
        {
            return;
        }
        final Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(DIRECTORY.toFile())
            .redirectErrorStream(true).start();
        final String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try
        {
            if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0)
            {
                throw new IOException("npm ci in " + DIRECTORY + " failed: " + output);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted installing node-mavlink", ex);
        }
    }

    private static Path locate()
    {
        for (final String candidate : List.of("src/test/node", "../mavlink-edge/src/test/node"))
        {
            final Path path = Path.of(candidate).toAbsolutePath().normalize();
            if (Files.isRegularFile(path.resolve("vehicle.mjs")))
            {
                return path;
            }
        }
        throw new IllegalStateException("vehicle.mjs not found from " + Path.of("").toAbsolutePath());
    }
}
