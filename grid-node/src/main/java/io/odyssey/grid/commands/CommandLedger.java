package io.odyssey.grid.commands;

import com.hazelcast.config.Config;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The command ledger: the source of truth for every order sent to a drone. A partitioned map keyed by command id with
 * synchronous backups, so a gateway or ingest node that dies loses no command; the relaying ingest nodes journal each
 * transition as well. Every change goes through a {@link CommandUpdate} on the partition owner.
 * <p>
 * Idempotency keys live in their own map ({@value #KEYS_MAP}), scoped by the issuer's name, with a day's
 * time-to-live: the same key from the same issuer within a day is the same command.
 */
public final class CommandLedger
{
    /** {@code IMap<Long, CommandRecord>}. */
    public static final String COMMANDS_MAP = "commands";
    /** {@code IMap<String, Long>}: "issuer/key" → command id. */
    public static final String KEYS_MAP = "command-keys";
    public static final String ID_GENERATOR = "command-ids";
    public static final int KEY_TTL_SECONDS = 86_400;

    private final IMap<Long, CommandRecord> commands;
    private final IMap<String, Long> keys;
    private final FlakeIdGenerator ids;

    public CommandLedger(final HazelcastInstance instance)
    {
        commands = instance.getMap(COMMANDS_MAP);
        keys = instance.getMap(KEYS_MAP);
        ids = instance.getFlakeIdGenerator(ID_GENERATOR);
    }

    /** The ledger's maps in a member's configuration: backups as the fleet map, indexes for the relays' queries. */
    public static void configure(final Config config, final int backupCount)
    {
        config.addMapConfig(new MapConfig(COMMANDS_MAP)
            .setBackupCount(backupCount)
            .setAsyncBackupCount(0)
            .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.HASH, "active"))
            .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.HASH, "droneId")));
        config.addMapConfig(new MapConfig(KEYS_MAP)
            .setBackupCount(backupCount)
            .setTimeToLiveSeconds(KEY_TTL_SECONDS));
    }

    public IMap<Long, CommandRecord> map()
    {
        return commands;
    }

    public long newId()
    {
        return ids.newId();
    }

    /**
     * Records a new command, or finds the one issued earlier with the same idempotency key by the same issuer.
     *
     * @return the command in the ledger and whether it is the one just issued.
     */
    public Issued issue(final CommandRecord command)
    {
        if (command.idempotencyKey() != null)
        {
            final String scoped = command.issuedBy() + "/" + command.idempotencyKey();
            final Long existingId = keys.putIfAbsent(scoped, command.id());
            if (existingId != null)
            {
                // The first request with this key may be between its two writes: give it a moment to finish.
                CommandRecord existing = commands.get(existingId);
                for (int i = 0; existing == null && i < 20; i++)
                {
                    sleepBriefly();
                    existing = commands.get(existingId);
                }
                if (existing != null)
                {
                    if (existing.droneId() != command.droneId() || !existing.type().equals(command.type()) ||
                        !java.util.Objects.equals(existing.paramsJson(), command.paramsJson()))
                    {
                        throw new IllegalStateException("idempotency key '" + command.idempotencyKey() +
                            "' was used for another command (" + existing.id() + ", " + existing.type() + " for drone " +
                            existing.droneId() + ")");
                    }
                    return new Issued(existing, false);
                }
                // The earlier request died between its two writes (or its command aged out): this one takes the key.
                keys.set(scoped, command.id());
            }
        }
        if (command.state().isFinal())
        {
            commands.set(command.id(), command, CommandUpdate.FINAL_RETENTION_HOURS, java.util.concurrent.TimeUnit.HOURS);
        }
        else
        {
            commands.set(command.id(), command);
        }
        return new Issued(command, true);
    }

    private static void sleepBriefly()
    {
        try
        {
            Thread.sleep(50);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Records a command the drone started itself, once: a resent report of it finds the existing record. */
    public CommandRecord recordDroneCommand(final CommandRecord command)
    {
        final CommandRecord existing = commands.putIfAbsent(command.id(), command);
        return existing != null ? existing : command;
    }

    /** @return the updated record, or null when the update did not apply (already final, out of order, unknown id). */
    public CommandRecord update(final long id, final CommandUpdate update)
    {
        return commands.executeOnKey(id, update);
    }

    public CommandRecord get(final long id)
    {
        return commands.get(id);
    }

    /** Every command not yet in a final state. */
    public Collection<CommandRecord> active()
    {
        return commands.values(Predicates.equal("active", true));
    }

    /** The most recent commands (issued within the last hour), newest first: what a new watcher starts from. */
    public List<CommandRecord> recent(final int limit)
    {
        final long since = (System.currentTimeMillis() - 3_600_000L) * 1_000_000L;
        return commands.values(Predicates.greaterThan("issuedAtNanos", since)).stream()
            .sorted(Comparator.comparingLong(CommandRecord::issuedAtNanos).reversed().thenComparing(CommandRecord::id))
            .limit(limit)
            .toList();
    }

    /** Final commands with transitions no journal has yet (refused before any relay saw them). */
    public Collection<CommandRecord> unjournaledFinal()
    {
        return commands.values(Predicates.and(Predicates.equal("active", false), Predicates.equal("unjournaled", true)));
    }

    /**
     * Commands matching the filters, newest first.
     *
     * @param droneId 0 = any drone.
     * @param state   null = any state.
     */
    public List<CommandRecord> list(final long droneId, final CommandState state, final boolean activeOnly, final int limit)
    {
        final List<Predicate<Long, CommandRecord>> filters = new ArrayList<>();
        if (droneId != 0)
        {
            filters.add(Predicates.equal("droneId", droneId));
        }
        if (state != null)
        {
            filters.add(Predicates.equal("state", state.name()));
        }
        if (activeOnly)
        {
            filters.add(Predicates.equal("active", true));
        }
        final Collection<CommandRecord> found = filters.isEmpty() ? commands.values() :
            commands.values(Predicates.and(filters.toArray(new Predicate[0])));
        return found.stream()
            .sorted(Comparator.comparingLong(CommandRecord::issuedAtNanos).reversed().thenComparing(CommandRecord::id))
            .limit(limit)
            .toList();
    }

    /** A command as recorded, and whether this request created it (false: an idempotent repeat). */
    public record Issued(CommandRecord command, boolean created)
    {
    }
}
