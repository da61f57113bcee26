package io.odyssey.ingest;

import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.ProcessLauncher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * {@code odyssey replay}: feeds an ingest node's journal (or a time window of it) through the ingest and alert code
 * into a separate grid, prints what it produced, and with {@code --verify} checks it against the live run. Alert
 * thresholds and geofences come from the same ODYSSEY_INGEST_ALERT_* settings as the node's. Exit codes: 0 done
 * (and verified), 1 the replay differs from the live run, 2 usage.
 */
public final class ReplayMain
{
    private static final String USAGE = """
        Usage: odyssey replay --journal DIR [--from ISO-INSTANT] [--to ISO-INSTANT] [--out DIR] [--verify]
          --journal DIR   an ingest node's journal root (its ODYSSEY_INGEST_JOURNAL_DIR)
          --from, --to    a window of receive times, e.g. 2026-12-01T14:00:00Z (default: the whole journal)
          --out DIR       where the replay's alert journal and summary go (default: a new temporary directory)
          --verify        compare with the live run (its alert journal, and each drone's last accepted frame)
        Alert thresholds and geofences: the ODYSSEY_INGEST_ALERT_* settings, as for the ingest node.""";

    private ReplayMain()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        ProcessLauncher.defaultSystemProperties();
        Path journal = null;
        Path out = null;
        Instant from = null;
        Instant to = null;
        boolean verify = false;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                switch (args[i])
                {
                    case "--journal" -> journal = Path.of(value(args, ++i, "--journal"));
                    case "--out" -> out = Path.of(value(args, ++i, "--out"));
                    case "--from" -> from = instant(value(args, ++i, "--from"), "--from");
                    case "--to" -> to = instant(value(args, ++i, "--to"), "--to");
                    case "--verify" -> verify = true;
                    case "-h", "--help" ->
                    {
                        System.out.println(USAGE);
                        return;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (journal == null)
            {
                throw new IllegalArgumentException("--journal DIR is required");
            }
            if (from != null && to != null && !from.isBefore(to))
            {
                throw new IllegalArgumentException("--from must be before --to");
            }
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("odyssey replay: " + ex.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        final EdgeIngestConfig config = new EdgeIngestConfig();
        final Replay.Options options;
        try
        {
            options = new Replay.Options(journal.toAbsolutePath(), from, to,
                out != null ? out.toAbsolutePath() : Files.createTempDirectory("odyssey-replay-"), config.maxDrones,
                config.alertRules());
        }
        catch (final ConfigurationException ex)
        {
            System.err.println("odyssey replay: " + ex.getMessage());
            System.exit(2);
            return;
        }
        final Replay.Result result = Replay.run(options);
        final StringBuilder summary = new StringBuilder()
            .append("replayed ").append(result.entries()).append(" entries of ").append(options.journal()).append('\n')
            .append("drones: ").append(result.fleet().size()).append('\n')
            .append("alerts: ").append(result.alerts().stream().filter(Replay.AlertEvent::raised).count()).append(" raised, ")
            .append(result.alerts().stream().filter(e -> "cleared".equals(e.event())).count()).append(" cleared, ")
            .append(result.alerts().stream().filter(e -> "handed_over".equals(e.event())).count())
            .append(" drones handed over to another node\n");
        for (final Replay.AlertEvent event : result.alerts())
        {
            summary.append("  ").append(event).append('\n');
        }
        int exit = 0;
        if (verify)
        {
            final List<String> differences = Replay.verify(options, result, null);
            if (differences.isEmpty())
            {
                summary.append("verified: the same fleet state and the same alerts as the live run\n");
            }
            else
            {
                summary.append(String.format(Locale.ROOT, "DIFFERENT from the live run (%d differences):%n", differences.size()));
                differences.stream().limit(50).forEach(d -> summary.append("  ").append(d).append('\n'));
                exit = 1;
            }
        }
        Files.writeString(options.output().resolve("summary.txt"), summary);
        System.out.print(summary);
        System.out.println("output: " + options.output());
        System.exit(exit);
    }

    private static String value(final String[] args, final int i, final String option)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static Instant instant(final String text, final String option)
    {
        try
        {
            return Instant.parse(text);
        }
        catch (final DateTimeParseException ex)
        {
            throw new IllegalArgumentException(option + " must be an ISO-8601 instant such as 2026-12-01T14:00:00Z, got '" +
                text + "'");
        }
    }
}
