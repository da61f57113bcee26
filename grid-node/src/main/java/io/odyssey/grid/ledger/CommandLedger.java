package io.odyssey.grid.ledger;

import com.hazelcast.config.Config;
import com.hazelcast.config.IndexType;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.flakeidgen.FlakeIdGenerator;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.projection.Projections;
import com.hazelcast.query.PagingPredicate;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.partition.PartitionService;
import io.odyssey.codecs.CommandState;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import io.odyssey.grid.ClassNames;
import io.odyssey.grid.UnreadableRecords;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The command ledger: the source of truth for every order sent to a drone. A partitioned map keyed by command id with
 * synchronous backups, so a gateway or ingest node that dies loses no command; the relaying ingest nodes journal each
 * transition as well. Every change goes through a {@link CommandUpdate} on the partition owner.
 * <p>
 * Idempotency keys live in their own map ({@value #KEYS_MAP}), scoped by the issuer's name, with a day's
 * time-to-live: the same key from the same issuer within a day is the same command.
 * <p>
 * <b>Bounds.</b> The ledger cannot grow without bound whatever its writers do: a drone keeps at most
 * {@value #MAX_FINAL_PER_DRONE} final commands (the oldest go first: records without a valid seal before any
 * genuine one, then those already journaled before those not; the archive keeps them all; an order reads at most
 * {@value #TRIM_READ_RECORDS} records it has not verified before, however many a grid client planted) and every final
 * command leaves after {@link CommandUpdate#FINAL_RETENTION_HOURS} hours; a
 * command that is not final is never evicted. Admission bounds the rest: a caller passes the most active commands a
 * drone may have ({@link #issue(CommandRecord, int)}), and a drone may have at most
 * {@value #MAX_DRONE_STARTED_ACTIVE} of its own running. The count and the write are two steps, so requests admitted
 * at the same moment for the same drone may each see room: the bound holds up to the number of such concurrent
 * requests (a gateway's worker threads), which is still a bound.
 * <p>
 * <b>Text.</b> Every record and update is made storable on its way in ({@link LedgerText}): the archive must be able
 * to hold whatever the ledger holds. Repairs are counted.
 */
public final class CommandLedger
{
    /** {@code IMap<Long, CommandRecord>}. */
    public static final String COMMANDS_MAP = "commands";
    /** {@code IMap<String, Long>}: "issuer/key" → command id. */
    public static final String KEYS_MAP = "command-keys";
    public static final String ID_GENERATOR = "command-ids";
    public static final int KEY_TTL_SECONDS = 86_400;
    /** Final commands kept per drone in the grid (the archive keeps every one). */
    public static final int MAX_FINAL_PER_DRONE = 100;
    /** Commands a drone started itself (failsafes) that may be running at once: a real drone runs one. */
    public static final int MAX_DRONE_STARTED_ACTIVE = 4;
    /** {@link CommandRecord#issuedBy()} of the commands a drone started itself. */
    public static final String DRONE_ISSUER = "drone";
    /** Who issued an ingest node's geofence guard's orders home (recorded by that node, on its clock). */
    public static final String GEOFENCE_ISSUER = "geofence";

    /**
     * Whether {@code issuedBy} names orders a node records itself ({@link #DRONE_ISSUER}, {@link #GEOFENCE_ISSUER}),
     * not a person through a gateway: reserved, no API token may bear either name.
     */
    public static boolean nodeIssuer(final String issuedBy)
    {
        return DRONE_ISSUER.equals(issuedBy) || GEOFENCE_ISSUER.equals(issuedBy);
    }
    static final long KEY_RACE_TIMEOUT_MS = 1_000;
    /** How far ahead of a reader's clock a record may be dated and still be listed (clocks of hosts differ a little). */
    public static final long MAX_ISSUED_AHEAD_NS = TimeUnit.MINUTES.toNanos(5);
    /** Pages a list reads at most to fill itself around records it leaves out (unsealed, unreadable). */
    static final int MAX_LIST_PAGES = 4;
    /**
     * Final records {@link #removeUnsealedFinal()} aims to read a call. Measured (one member and the client on this
     * 2-core machine): ~80 µs a record to read, ~5 µs to check its seal, so ~20 ms a call.
     */
    static final int UNSEALED_SCAN_RECORDS = 250;
    /** Keys of a block {@link #removeUnsealedFinal()} keeps to read (the rest are reached on the next round). */
    static final int MAX_WALK_KEYS = 100_000;
    /**
     * Records of a drone not verified before that the bound on its final commands reads at most an order (~80 µs a
     * record to read: ~10 ms): more than a drone's {@value #MAX_FINAL_PER_DRONE}, so a drone whose genuine records
     * this process has not verified yet (after a start) is trimmed in one order, and a few dozen orders clear thousands
     * planted.
     */
    public static final int TRIM_READ_RECORDS = 128;
    /**
     * Drones whose genuine final records this process remembers as verified ({@link VerifiedHistory}): ~80 bytes an id,
     * ~8 KB a drone at its bound, ~4 MB in all; a drone beyond that (trimmed less recently than 512 others) is read
     * again, a batch an order at most.
     */
    static final int VERIFIED_DRONES = 512;
    /** Verified ids kept a drone: its bound and a batch over (a drone stays over its bound while records wait). */
    static final int VERIFIED_PER_DRONE = MAX_FINAL_PER_DRONE + TRIM_READ_RECORDS;

    private static final Logger LOG = LoggerFactory.getLogger(CommandLedger.class);

    /** The key, not the record's own id field: a planted record may name another's id, and must not take it along. */
    private static final String[] DRONE_ROW = {"__key", "active", "unjournaled", "issuedAtNanos", "issuedBy", "idempotencyKey"};

    private final IMap<Long, CommandRecord> commands;
    private final IMap<String, Long> keys;
    private final FlakeIdGenerator ids;
    private final Counter textRepaired;
    private final CommandAuthority authority;
    private final EpochNanoClock clock;
    private final PartitionService partitions;
    /** {@link #removeUnsealedFinal()}'s walk: a key per partition, the next partition, partitions a call. */
    private Long[] partitionKeys;
    private int scanNext;
    private int scanBlock = 1;
    /** The keys of the walk's current block not read yet. */
    private final ArrayDeque<Object> walkKeys = new ArrayDeque<>();
    /**
     * How long a request whose idempotency key is taken waits for the command of the request that took it (which
     * writes the key first and the command a moment later); past that, that request is taken to have died between its
     * two writes and this one takes the key.
     */
    private long keyRaceTimeoutMs = KEY_RACE_TIMEOUT_MS;
    private UnreadableRecords unreadable = new UnreadableRecords("command", null);
    /** Counts records the lists leave out for want of a valid seal; null = not counted. */
    private Counter unsealedLeftOut;
    /** Counts final records removed for want of a valid seal (or unreadable); null = not counted. */
    private Counter unsealedRemoved;
    /** Counts the records a drone's bound left unread for a later order ({@link #TRIM_READ_RECORDS}); null = not. */
    private Counter trimDeferred;
    /** Counts the lists read as a version without {@link UnderCommandIds} read them (a rolling upgrade); null = not. */
    private Counter listFallbacks;
    /** Counts the bounds' reads that fell back to a batch of the newest (a member without {@link KeyOrder}); null = not. */
    private Counter trimUnordered;
    private final RateLimitedLog unorderedLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    /** Members of an older version met by the lists and by the evictions, each said once a minute. */
    private final RateLimitedLog listFallbackLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog evictionFallbackLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog oldKeyQueryLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    /** Which of our classes the members were found to run or lack, each remembered a minute ({@link #membersLack}). */
    private final ClassesOnMembers classesOnMembers = new ClassesOnMembers(TimeUnit.MINUTES.toNanos(1));
    /** The grid's members as this process sees them now: an answer about them holds only while they are the same. */
    private final java.util.function.Supplier<Object> members;
    /** Final records the drones' bounds found genuine: not read again ({@link #trimFinal}). */
    private final VerifiedHistory verified = new VerifiedHistory(VERIFIED_DRONES);
    /** Records the drones' bounds read, for tests: what an order costs is the records it reads. */
    private final java.util.concurrent.atomic.LongAdder trimRecordsRead = new java.util.concurrent.atomic.LongAdder();
    /** Probes of the members for a class of ours, for tests: what a planted key's class name can cost. */
    private final java.util.concurrent.atomic.LongAdder membersProbed = new java.util.concurrent.atomic.LongAdder();
    /** Keys the members sent for the bounds' batches, for tests: a bound that took them all was not bounded. */
    private final java.util.concurrent.atomic.LongAdder trimKeysFetched = new java.util.concurrent.atomic.LongAdder();

    /** A ledger that reads and updates, and authorises nothing it records (tests, tools). */
    public CommandLedger(final HazelcastInstance instance)
    {
        this(instance, null, null);
    }

    /**
     * @param textRepaired counts records and updates whose text had to be made storable; null = not counted.
     * @param authority    authorises every command this process records (gateways, ingest nodes); null = none, and
     *                     the relays will refuse what this ledger records.
     */
    public CommandLedger(final HazelcastInstance instance, final Counter textRepaired, final CommandAuthority authority)
    {
        this(instance, textRepaired, authority, new SystemEpochNanoClock());
    }

    /**
     * @param clock what "now" is for the ledger's own reads ({@link #recent}): epoch nanoseconds, the unit of every
     *              time a record holds
     */
    public CommandLedger(
        final HazelcastInstance instance, final Counter textRepaired, final CommandAuthority authority,
        final EpochNanoClock clock)
    {
        this.clock = clock;
        this.authority = authority;
        commands = instance.getMap(COMMANDS_MAP);
        keys = instance.getMap(KEYS_MAP);
        ids = instance.getFlakeIdGenerator(ID_GENERATOR);
        partitions = instance.getPartitionService();
        members = () -> instance.getCluster().getMembers();
        this.textRepaired = textRepaired;
    }

    /** The ledger's maps in a member's configuration: backups as the fleet map, indexes for the relays' queries. */
    public static void configure(final Config config, final int backupCount)
    {
        config.addMapConfig(new MapConfig(COMMANDS_MAP)
            .setBackupCount(backupCount)
            .setAsyncBackupCount(0)
            .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.HASH, "active"))
            .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.HASH, "droneId"))
            .addIndexConfig(new com.hazelcast.config.IndexConfig(IndexType.SORTED, "issuedAtNanos")));
        config.addMapConfig(new MapConfig(KEYS_MAP)
            .setBackupCount(backupCount)
            .setTimeToLiveSeconds(KEY_TTL_SECONDS));
    }

    /** This ledger waiting {@code ms} for a racing request's command instead of {@link #KEY_RACE_TIMEOUT_MS}. */
    CommandLedger keyRaceTimeoutMs(final long ms)
    {
        this.keyRaceTimeoutMs = ms;
        return this;
    }

    /**
     * This ledger counting in {@code counter} the records its reads leave out because they cannot be read (written
     * into the grid by something else: {@link CommandRecordSerializer#read}); uncounted (still left out) without it.
     */
    public CommandLedger countingUnreadable(final Counter counter)
    {
        this.unreadable = new UnreadableRecords("command", counter);
        return this;
    }

    /**
     * This ledger counting in {@code counter} the records its lists ({@link #list}, {@link #recent}) leave out because
     * they carry no valid seal of the command key it holds ({@link #genuine}); uncounted (still left out) without it.
     */
    public CommandLedger countingUnsealed(final Counter counter)
    {
        this.unsealedLeftOut = counter;
        return this;
    }

    /**
     * This ledger counting in {@code counter} the final records it removes because they carry no valid seal of the
     * command key it holds or cannot be read (planted by a grid client): evicted first by the bound on a drone's final
     * commands, and removed by {@link #removeUnsealedFinal()}.
     */
    public CommandLedger countingUnsealedRemoved(final Counter counter)
    {
        this.unsealedRemoved = counter;
        return this;
    }

    /**
     * This ledger counting in {@code counter} the final records of a drone its bound on final commands left unread for
     * a later order: it reads at most {@value #TRIM_READ_RECORDS} records an order that it has not verified before,
     * and while some are unread it evicts no genuine one if those it read held a planted one (if they held only genuine
     * ones, the oldest genuine ones go down to {@value #MAX_FINAL_PER_DRONE} known). Only records a grid client planted
     * with the drone's id (or a process start, with more than that many of a drone unverified) leave any.
     */
    public CommandLedger countingTrimDeferred(final Counter counter)
    {
        this.trimDeferred = counter;
        return this;
    }

    /**
     * This ledger counting in {@code counter} the orders whose bound on a drone's final commands could not have its
     * batch chosen in key order on the members ({@link KeyOrder}: a member of a version without it, during a rolling
     * upgrade) and took any batch of the same size instead.
     */
    public CommandLedger countingTrimUnordered(final Counter counter)
    {
        this.trimUnordered = counter;
        return this;
    }

    /**
     * This ledger counting in {@code counter} the command lists it read as a version without {@link UnderCommandIds}
     * did, because a member cannot load it (a rolling upgrade): such a list may come back short around keys of a class
     * nobody has.
     */
    public CommandLedger countingListFallbacks(final Counter counter)
    {
        this.listFallbacks = counter;
        return this;
    }

    /** Probes of the members for a class of ours ({@link #membersRun}), since this ledger was made. */
    long membersProbed()
    {
        return membersProbed.sum();
    }

    /** Our classes that run on the members, by name ({@link #OURS_ON_MEMBERS}). */
    static List<String> oursOnMembers()
    {
        return OURS_ON_MEMBERS;
    }

    /** Keys the members sent the drones' bounds to choose their batches from, since this ledger was made. */
    long trimKeysFetched()
    {
        return trimKeysFetched.sum();
    }

    /** Records the drones' bounds on final commands have read whole, since this ledger was made. */
    long trimRecordsRead()
    {
        return trimRecordsRead.sum();
    }

    /**
     * True when {@code command} was recorded by a holder of the command key this ledger holds, as an order or as a
     * refusal: history a list may show. A grid client can write records that look like any other; without a valid seal
     * they are not shown as history. A ledger without the key cannot tell, and takes every readable record.
     */
    public boolean genuine(final CommandRecord command)
    {
        return authority == null || authority.authentic(command);
    }

    /**
     * True when {@code command}, stored under {@code key}, is history a list or the command feed may show: genuine
     * ({@link #genuine}) and under its own id. The seal covers the id but not the key, nor the state or the journal
     * marks, so a grid client could read a drone's sealed final record and write it back under keys of its own (each
     * copy verifies): 100 copies of a drone's newest command filled every list of the drone with that one command and
     * pushed its real history off them. Nothing this version writes stores a record under another key, so such a copy
     * is left out (counted as unsealed: its seal is not one for the key it is under), and a command's identity counts
     * once.
     */
    public boolean history(final Object key, final CommandRecord command)
    {
        return key instanceof Long id && id == command.id() && genuine(command);
    }

    /** Counts one record left out of a list or a feed for want of a valid seal (or stored under another key). */
    public void leftOutUnsealed()
    {
        if (unsealedLeftOut != null)
        {
            unsealedLeftOut.increment();
        }
    }

    /** Where this ledger's readers leave out and count records they cannot read (e.g. a listener's event values). */
    public UnreadableRecords unreadable()
    {
        return unreadable;
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
     * Records a new command, or finds the one issued earlier with the same idempotency key by the same issuer. No
     * limit on the drone's active commands: for the ground's own orders (a geofence's return home).
     *
     * @return the command in the ledger and whether it is the one just issued.
     */
    public Issued issue(final CommandRecord command)
    {
        return issue(command, Integer.MAX_VALUE);
    }

    /**
     * Records a new command unless its drone has {@code maxActive} commands that are not final already, or finds the
     * one issued earlier with the same idempotency key by the same issuer (that one is found whatever the limit).
     *
     * @return the command in the ledger and whether it is the one just issued.
     * @throws IdempotencyConflictException the idempotency key was used for a different command.
     * @throws ActiveLimitException         the drone has {@code maxActive} active commands.
     */
    public Issued issue(final CommandRecord unchecked, final int maxActive)
    {
        final CommandRecord command = safe(unchecked);
        String scopedKey = null;
        if (command.idempotencyKey() != null)
        {
            scopedKey = command.issuedBy() + "/" + command.idempotencyKey();
            final Long existingId = keys.putIfAbsent(scopedKey, command.id());
            if (existingId != null)
            {
                // The first request with this key may be between its two writes: give it a moment to finish.
                final CommandRecord existing = awaitRecorded(existingId);
                if (existing != null)
                {
                    if (existing.droneId() != command.droneId() || existing.type() != command.type() ||
                        !existing.parameters().equals(command.parameters()))
                    {
                        throw new IdempotencyConflictException(command.idempotencyKey(), existing);
                    }
                    return new Issued(existing, false);
                }
                // The earlier request died between its two writes (or its command aged out): this one takes the key.
                keys.set(scopedKey, command.id());
            }
        }
        final DroneCommands drone = droneCommands(command.droneId());
        if (command.active() && drone.active >= maxActive)
        {
            if (scopedKey != null)
            {
                keys.remove(scopedKey, command.id());
            }
            throw new ActiveLimitException(command.droneId(), drone.active, maxActive);
        }
        store(command);
        trimFinal(drone, command.active() ? 0 : 1);
        return new Issued(command, true);
    }

    private void store(final CommandRecord command)
    {
        if (command.state().isFinal())
        {
            commands.set(command.id(), command, CommandUpdate.FINAL_RETENTION_HOURS, TimeUnit.HOURS);
        }
        else
        {
            commands.set(command.id(), command);
        }
    }

    /**
     * A drone's commands in brief: how many active ones count against its limits, and how many final ones it has. Only
     * an active command that can be read, is stored under its own id ({@link #underOwnIds}) and carries a valid seal for
     * what it orders counts ({@link #counts}): the grid
     * is writable by any of its clients, and a count taken from the stored fields alone (a projection) let 16 planted
     * records with the drone's id lock it out of every order, stop and cancel included, for good. The active ones are
     * read whole (a drone has a handful; planted ones cost their reading, and are refused by the next sweep or retired:
     * {@link #retireUnreadableActive}); the final ones are only counted, by their keys (a grid client can plant
     * thousands, and a projection of them all cost ~25 µs a row on every order of the drone), and looked at only when
     * the drone is past its bound ({@link #trimFinal}).
     */
    private DroneCommands droneCommands(final long droneId)
    {
        int active = 0;
        int droneStartedActive = 0;
        for (final CommandRecord command : underOwnIds(commands.entrySet(
            Predicates.and(Predicates.equal("droneId", droneId), Predicates.equal("active", true)))))
        {
            if (command.droneId() == droneId && command.active() && counts(command))
            {
                active++;
                if (DRONE_ISSUER.equals(command.issuedBy()))
                {
                    droneStartedActive++;
                }
            }
        }
        // Keys, never read here: a count aggregation reads every record on the members (and fails on one it cannot).
        final int finals = commands.keySet(finalOf(droneId)).size();
        return new DroneCommands(droneId, active, droneStartedActive, finals);
    }

    private static <K, V> Predicate<K, V> finalOf(final long droneId)
    {
        return Predicates.and(Predicates.equal("droneId", droneId), Predicates.equal("active", false));
    }

    /**
     * True when an active record counts against its drone's limits: one a relay would act on (sealed as an order with
     * the command key this ledger holds). A ledger without the key cannot tell, and counts every readable record.
     */
    private boolean counts(final CommandRecord command)
    {
        return authority == null || authority.verifies(command);
    }

    /**
     * Evicts a drone's oldest final commands beyond {@link #MAX_FINAL_PER_DRONE}, counting {@code adding} more about
     * to be there: first those that are not history (no valid seal, {@link #genuine}, or unreadable: planted by a grid
     * client), then those already journaled (so in the archive), then the others. Planted records dated after the
     * drone's real history and marked unjournaled otherwise made the trim evict genuine records no journal had yet.
     * <p>
     * Telling them apart needs the records whole (the seal is checked here, not on the members, which do not hold the
     * key). Reading all of a drone's final records on each order past the bound cost ~8 ms an order at 100, and
     * without bound when a grid client planted thousands with the drone's id (one {@code putAll}, again after every
     * order: 5,000 held an order ~0.4 s). So a record found genuine is remembered ({@link VerifiedHistory}) and only
     * its row is read again (for its journaled flag), and of the others an order reads at most
     * {@value #TRIM_READ_RECORDS} (the lowest keys, chosen on the members: {@link KeyOrder}). Planted ones among them
     * go first; the rest wait for the next orders and for the ingest sweep ({@link #removeUnsealedFinal()}), counted
     * ({@link #countingTrimDeferred}), and while any wait no genuine record is evicted if the order's batch held a
     * planted one (an unread one may be planted too, and planted records go first): the drone's final records may stay
     * over the bound meanwhile. A batch of genuine records only lets the oldest genuine ones go down to the bound's
     * worth of known ones (see below).
     */
    private void trimFinal(final DroneCommands drone, final int adding)
    {
        // Which key query the bound sends, decided once: read again at the catch, a minute's memory that ran out (or
        // a member that joined) meanwhile judged the failure by the other query's classes.
        final boolean oldKeyQuery = oldKeyQuery();
        try
        {
            trimFinalOrFail(drone, adding, oldKeyQuery);
        }
        catch (final HazelcastSerializationException ex)
        {
            if (oldKeyQuery || !startedOldKeyQuery(ex))
            {
                trimFailed(ex, drone, adding, oldKeyQuery);
                return;
            }
            try
            {
                trimFinalOrFail(drone, adding, true);
            }
            catch (final HazelcastSerializationException again)
            {
                trimFailed(again, drone, adding, true);
            }
        }
    }

    /**
     * A drone's bound failed: with the old key query ({@link #byIds}) a key of a class the members lack (a grid client
     * with classes of its own wrote a record under it, the drone's id in it) fails the whole query, as can a value
     * nobody here reads. The order stands; the bound waits for a later order, counted as unreadable. Not when it names
     * a class of ours that this query sent (a member lacking one that no fallback covers, one failing to serialize): a
     * fault to see, not a planted key to count. ({@link AmongIds} is not sent while the old key query stands in for it,
     * so a failure naming it then is a planted key's.)
     */
    private void trimFailed(
        final HazelcastSerializationException ex, final DroneCommands drone, final int adding, final boolean oldKeyQuery)
    {
        if (membersLack(ex, oldKeyQuery ? OURS_BUT_AMONG_IDS : OURS_ON_MEMBERS))
        {
            throw ex;
        }
        unreadable.skipped(ex);
        if (trimDeferred != null)
        {
            trimDeferred.add(Math.max(0, drone.finals + adding - MAX_FINAL_PER_DRONE));
        }
    }

    /**
     * The records among {@code ids}, by a predicate the members run ({@link AmongIds}): a key they cannot read is not
     * one of these. A member of a version without it (a rolling upgrade) fails it; then, for a minute at a time
     * ({@link #startedOldKeyQuery}), the query that version ran, which names keys ({@code "__key"}): a key of a class
     * the members lack fails it, with an ERROR on a member, as it did before.
     */
    private static <K, V> Predicate<K, V> byIds(final Long[] ids, final boolean oldKeyQuery)
    {
        return oldKeyQuery ? Predicates.in("__key", ids) : new AmongIds<>(ids);
    }

    private boolean oldKeyQuery()
    {
        return classesOnMembers.remembersLacking(AMONG_IDS_NAME, System.nanoTime(), members);
    }

    /**
     * True when {@code ex} is a member's failure to load {@link AmongIds} (probed: {@link #membersLack}), and the bounds
     * now use the old key query for a minute: said once a minute, counted as an unordered read is not (the batch is the
     * same), and the bound is tried again at once.
     */
    private boolean startedOldKeyQuery(final HazelcastSerializationException ex)
    {
        if (!membersLack(ex, List.of(AMONG_IDS_NAME)))
        {
            return false;
        }
        final long suppressed = oldKeyQueryLog.tryAcquireShared(System.nanoTime());
        if (suppressed >= 0)
        {
            LOG.warn("a grid member cannot load {} (not upgraded yet?): a drone's bound of final commands names keys " +
                "as the previous version did, which a key of a class the members lack fails ({} similar lines " +
                "suppressed); upgrade the grid members first", AMONG_IDS_NAME, suppressed);
        }
        return true;
    }

    private void trimFinalOrFail(final DroneCommands drone, final int adding, final boolean oldKeyQuery)
    {
        long excess = drone.finals + adding - MAX_FINAL_PER_DRONE;
        if (excess <= 0)
        {
            return;
        }
        final long droneId = drone.droneId;
        final Long[] verifiedIds = verified.ids(droneId);
        final List<Object[]> history = new ArrayList<>();
        long seen = 0;
        if (verifiedIds.length > 0)
        {
            for (final Object[] row : commands.project(Projections.<Map.Entry<Long, CommandRecord>>multiAttribute(
                DRONE_ROW), Predicates.and(finalOf(droneId), byIds(verifiedIds, oldKeyQuery))))
            {
                if (row[0] instanceof Long id && verified.known(droneId, id, row[3]))
                {
                    seen++;
                    history.add(row);
                }
                else
                {
                    // Written over since it was verified (another drone or issue time): read again next order.
                    verified.forget(droneId, row[0]);
                }
            }
        }
        final Predicate<Object, Object> unverified = verifiedIds.length == 0 ? finalOf(droneId) :
            Predicates.and(finalOf(droneId), Predicates.not(byIds(verifiedIds, oldKeyQuery)));
        final List<Object> page = new ArrayList<>();
        int unreadableKeysInPage = 0;
        for (final Iterator<Object> it = firstKeys(unverified, TRIM_READ_RECORDS);
            it.hasNext() && page.size() + unreadableKeysInPage < TRIM_READ_RECORDS; )
        {
            try
            {
                page.add(it.next());
            }
            catch (final HazelcastSerializationException ex)
            {
                // A key of a type this version cannot read cannot be named to delete either: left to an operator.
                unreadable.skipped(ex);
                unreadableKeysInPage++;
            }
        }
        // Such a key is read (it is no genuine record) and cannot go: it neither counts against the drone's history
        // nor waits unread. Counted against it, it stopped every eviction (a record was still "unread"), and the drone
        // grew past its bound, an order at a time, for as long as a grid client left one key with its id.
        excess -= unreadableKeysInPage;
        final List<Object> ids = new ArrayList<>();
        final List<Object[]> notHistory = new ArrayList<>();
        for (final Object key : page)
        {
            if (key instanceof Long)
            {
                ids.add(key);
            }
            else
            {
                // Under a key that is no command id: never history (no cast of it).
                notHistory.add(new Object[]{key, false, null, null, null, null});
            }
        }
        final Set<Object> unreadableKeys = new HashSet<>();
        final Map<Object, Object> read = readAll(rawCommands(), ids, unreadableKeys);
        trimRecordsRead.add(ids.size());
        for (final Object key : ids)
        {
            final Object value = read.get(key);
            if (value instanceof CommandRecord command && command.id() == (Long)key && command.droneId() == droneId &&
                !command.active() && genuine(command))
            {
                verified.add(droneId, command.id(), command.issuedAtNanos());
                history.add(new Object[]{key, false, command.journaled() < command.transitionCount(),
                    command.issuedAtNanos(), command.issuedBy(), command.idempotencyKey()});
            }
            else if (value instanceof CommandRecord command)
            {
                // Unsealed, or a sealed copy under another key.
                notHistory.add(new Object[]{key, false, command.journaled() < command.transitionCount(),
                    command.issuedAtNanos(), command.issuedBy(), command.idempotencyKey()});
            }
            else if (value != null || unreadableKeys.contains(key))
            {
                notHistory.add(new Object[]{key, false, null, null, null, null});
            }
            else
            {
                // Gone since it was counted (another node's trim or sweep): one fewer to evict.
                excess--;
            }
        }
        // The order's own record was stored after the drone's finals were counted, and the batch may hold it: without
        // it here, one record the batch never saw (a key that is no command id, left out on the members) went uncounted
        // and counted as evictable, a genuine record going in its place.
        final long deferred = Math.max(0, drone.finals + adding - seen - page.size() - unreadableKeysInPage);
        final Comparator<Object[]> oldestFirst = Comparator.<Object[], Boolean>comparing(
                row -> Boolean.TRUE.equals(row[2]))
            .thenComparingLong(row -> row[3] instanceof Long at ? at : Long.MIN_VALUE);
        notHistory.sort(oldestFirst);
        final List<Object[]> evicted = new ArrayList<>(notHistory.subList(0, (int)Math.max(0, Math.min(excess,
            notHistory.size()))));
        final int planted = evicted.size();
        if (deferred > 0 && trimDeferred != null)
        {
            trimDeferred.add(deferred);
        }
        // How many genuine records may go. With none unread, the excess (beyond what planted ones covered). With some
        // unread, none while the batch held anything planted (an unread one may be planted too, and planted go
        // first); but when the batch held only genuine records, the oldest genuine ones down to the bound's worth of
        // known ones. A drone can have more genuine finals than the memory ({@link #VERIFIED_PER_DRONE}) and a batch
        // together (a grid client replanting a batch after each of ~256 orders defers every eviction meanwhile), and
        // then no order ever read them all: it read the same genuine batch on every order and stayed over its bound
        // until the retention. A memory kept otherwise (least recently used, lowest keys) could not help: it and a
        // batch still cover fewer records than the drone has. Keeping the bound's worth of genuine records known
        // loses nothing a planted record could have pushed out: even if every unread record were planted, the drone
        // keeps its {@value #MAX_FINAL_PER_DRONE} newest known genuine records (journaled ones go first, as always),
        // and the unread ones are read on the next orders, the planted among them evicted.
        final long genuineToEvict = deferred == 0 ? excess - planted :
            notHistory.isEmpty() ?
                Math.min(excess, history.size() - (long)MAX_FINAL_PER_DRONE) : 0;
        if (genuineToEvict > 0)
        {
            history.sort(oldestFirst);
            evicted.addAll(history.subList(0, (int)Math.min(genuineToEvict, history.size())));
        }
        final List<Long> evictedIds = new ArrayList<>(evicted.size());
        final List<Object> strays = new ArrayList<>();
        for (final Object[] row : evicted)
        {
            if (row[0] instanceof Long id)
            {
                evictedIds.add(id);
                verified.forget(droneId, id);
            }
            else
            {
                strays.add(row[0]);
            }
        }
        removeFinal(evictedIds);
        removeStrays(strays);
        if (planted > 0 && unsealedRemoved != null)
        {
            unsealedRemoved.add(planted);
        }
        for (final Object[] row : evicted)
        {
            if (row[5] != null)
            {
                // Only if the key still names this command (a later one may have taken a key that aged out).
                keys.remove(row[4] + "/" + row[5], row[0]);
            }
        }
    }

    /**
     * The keys of the records matching {@code filter}, the lowest {@code limit} of them chosen on the members
     * ({@link KeyOrder}); the caller reads at most {@code limit}. The comparator's class must be on every member: one of
     * a version without it (a rolling upgrade) fails the whole query, and every order of a drone past its bound failed
     * until all members were upgraded. Then the members choose the {@code limit} newest instead ({@link NewestFirst},
     * which every version has): still bounded, only no longer the lowest, so a drone may take a few more orders to get
     * back to its bound. (A plain query there sent all of the drone's unverified keys on every order, thousands when a
     * grid client planted them.) Counted, and logged once a minute.
     */
    private Iterator<Object> firstKeys(final Predicate<Object, Object> filter, final int limit)
    {
        if (classesOnMembers.remembersLacking(UNDER_COMMAND_IDS_NAME, System.nanoTime(), members))
        {
            return firstKeysOfAnyType(filter, limit);
        }
        try
        {
            // Command ids only, decided on the members from each key's stored type (no key read): a page ends on its
            // last entry, which Hazelcast reads (member and client) as the next page's anchor, and keys of a class
            // nobody has sorted last, so 128 of them with a drone's id made that anchor unreadable and failed every
            // bound of the drone. Such keys are still counted in its finals: the bound defers them (trimDeferred) and
            // keeps the drone's genuine records to the bound; the walk removes the readable ones.
            return firstKeysOfAnyType(Predicates.and(filter, new UnderCommandIds()), limit);
        }
        catch (final HazelcastSerializationException ex)
        {
            if (!membersLack(ex, List.of(UNDER_COMMAND_IDS_NAME)))
            {
                throw ex;
            }
            // A member without UnderCommandIds (a rolling upgrade): the page as that version asked for it.
            return firstKeysOfAnyType(filter, limit);
        }
    }

    private Iterator<Object> firstKeysOfAnyType(final Predicate<Object, Object> filter, final int limit)
    {
        try
        {
            return fetched(rawCommands().keySet(Predicates.pagingPredicate(filter, new KeyOrder(), limit)));
        }
        catch (final RuntimeException ex)
        {
            if (!membersLack(ex, List.of(KEY_ORDER_NAME)))
            {
                throw ex;
            }
            if (trimUnordered != null)
            {
                trimUnordered.increment();
            }
            final long suppressed = unorderedLog.tryAcquireShared(System.nanoTime());
            if (suppressed >= 0)
            {
                LOG.warn("a grid member cannot load {} (not upgraded yet?): a drone's bound of final commands reads " +
                    "a batch of the newest instead ({} similar lines suppressed); upgrade the grid members first",
                    KeyOrder.class.getName(), suppressed);
            }
            @SuppressWarnings({"unchecked", "rawtypes"})
            final Comparator<Map.Entry<Object, Object>> newestFirst = (Comparator)new NewestFirst();
            return fetched(rawCommands().keySet(Predicates.pagingPredicate(filter, newestFirst, limit)));
        }
    }

    private Iterator<Object> fetched(final Set<Object> keys)
    {
        trimKeysFetched.add(keys.size());
        return keys.iterator();
    }

    /**
     * {@link KeyOrder}'s name, as text: this class's static state must not load KeyOrder, or this class could not be
     * initialised on a member that lacks it (the rolling upgrade the fallback is for; {@code CommandLedgerUpgradeIT}).
     */
    static final String KEY_ORDER_NAME = CommandLedger.class.getName() + "$KeyOrder";
    /** {@link UnderCommandIds}'s name, as text (see {@link #KEY_ORDER_NAME}). */
    static final String UNDER_COMMAND_IDS_NAME = CommandLedger.class.getName() + "$UnderCommandIds";
    /** {@link AmongIds}'s name, as text (see {@link #KEY_ORDER_NAME}). */
    static final String AMONG_IDS_NAME = CommandLedger.class.getName() + "$AmongIds";
    /** {@link RemoveIfFinal}'s name, as text (see {@link #KEY_ORDER_NAME}). */
    static final String REMOVE_IF_FINAL_NAME = CommandLedger.class.getName() + "$RemoveIfFinal";
    /** {@link NewestFirst}'s name, as text (see {@link #KEY_ORDER_NAME}). */
    static final String NEWEST_FIRST_NAME = CommandLedger.class.getName() + "$NewestFirst";
    /**
     * Our classes that run on the members and that a member of an older version may lack (a rolling upgrade), or that
     * could fail to serialize: by exact name, as text (loading them here would tie this class's initialisation to them).
     */
    private static final List<String> OURS_ON_MEMBERS = List.of(KEY_ORDER_NAME, NEWEST_FIRST_NAME,
        REMOVE_IF_FINAL_NAME, UNDER_COMMAND_IDS_NAME, AMONG_IDS_NAME);
    /** {@link #OURS_ON_MEMBERS} but {@link AmongIds}: what a bound sends while the old key query stands in for it. */
    private static final List<String> OURS_BUT_AMONG_IDS = List.of(KEY_ORDER_NAME, NEWEST_FIRST_NAME,
        REMOVE_IF_FINAL_NAME, UNDER_COMMAND_IDS_NAME);
    /** {@link #OURS_ON_MEMBERS} but {@link UnderCommandIds}: what a list sends while the old list stands in for it. */
    private static final List<String> OURS_BUT_UNDER_COMMAND_IDS = List.of(KEY_ORDER_NAME, NEWEST_FIRST_NAME,
        REMOVE_IF_FINAL_NAME, AMONG_IDS_NAME);

    /**
     * True when {@code ex} names one of our classes that run on the members ({@link #OURS_ON_MEMBERS}): a fault to see
     * (a member lacking one that no fallback covers, one of ours failing to serialize), not a record a grid client
     * planted. Anything else a query over the drone's records fails with is taken as planted (a key of a class the
     * members lack, one with a serializer type id they lack, a Java-serialized key of a wrong version or a corrupt
     * stream): counted and skipped, since naming which cannot be done by class name (a grid client picks the name,
     * {@code io.odyssey} or one whose prefix this process can load included).
     */
    static boolean oursFailed(final Throwable ex)
    {
        return oursFailed(ex, OURS_ON_MEMBERS);
    }

    /**
     * True when {@code ex} names exactly one of {@code names} (not a class whose name merely starts or ends with one:
     * a grid client picks its key's class name, and {@code x.io.odyssey...CommandLedger$KeyOrder} made every order of
     * its drone past the bound answer 503), checked against each cause's message, depth-bounded: Hazelcast carries a
     * member's failure to a client as a {@link HazelcastSerializationException} whose cause chain is rebuilt from the
     * member's (a {@link ClassNotFoundException} or {@link NoClassDefFoundError} naming the class, in dots or slashes),
     * or only as text in a message. Text only: a name in a Java stream may hold any character, a space before ours
     * included, so where a planted key can fail the query the members' answer is probed too ({@link #membersLack}).
     */
    static boolean oursFailed(final Throwable ex, final List<String> names)
    {
        return ClassNames.namedIn(ex, names);
    }

    /**
     * True when {@code ex} names one of {@code names} ({@link #oursFailed}) and a member really cannot run it: the
     * same class is sent to every member again, over no record ({@link Predicates#alwaysFalse}), and only when that
     * fails too is it ours. A message is text a grid client partly writes (its key's class name, any character in it),
     * so a planted key named like ours passed for a member lacking our class: a drone's every order past its bound
     * answered 503, its lists 500. Runs only on a failure that names one of ours, and each answer is remembered a
     * minute ({@link ClassesOnMembers}): a planted key whose class name holds all of ours made each order past its
     * drone's bound probe every one (~5 cluster-wide operations, one an entry processor on every partition); now such
     * failures cost at most a probe a class a minute.
     */
    boolean membersLack(final Throwable ex, final List<String> names)
    {
        for (final String name : names)
        {
            if (oursFailed(ex, List.of(name)) && lacks(name))
            {
                return true;
            }
        }
        return false;
    }

    /** Whether a member cannot run our class {@code name}: as found within the last minute, else probed now. */
    private boolean lacks(final String name)
    {
        final long now = System.nanoTime();
        final Boolean known = classesOnMembers.known(name, now, members);
        if (known != null)
        {
            return !known;
        }
        // The members as they were before the probe: one joining meanwhile makes the answer stale, not wrong.
        final Object probed = members.get();
        final boolean runs = membersRun(name);
        classesOnMembers.found(name, runs, now, probed);
        return !runs;
    }

    /** Whether every member loads and runs our class {@code name} (a query over no record); false if one cannot. */
    private boolean membersRun(final String name)
    {
        membersProbed.increment();
        try
        {
            if (KEY_ORDER_NAME.equals(name))
            {
                rawCommands().keySet(Predicates.pagingPredicate(Predicates.alwaysFalse(), new KeyOrder(), 1));
            }
            else if (NEWEST_FIRST_NAME.equals(name))
            {
                commands.keySet(Predicates.pagingPredicate(Predicates.alwaysFalse(), new NewestFirst(), 1));
            }
            else if (UNDER_COMMAND_IDS_NAME.equals(name))
            {
                commands.keySet(Predicates.and(Predicates.alwaysFalse(), new UnderCommandIds()));
            }
            else if (AMONG_IDS_NAME.equals(name))
            {
                commands.keySet(Predicates.and(Predicates.alwaysFalse(), new AmongIds<>(new Long[0])));
            }
            else if (REMOVE_IF_FINAL_NAME.equals(name))
            {
                removableCommands().executeOnEntries(new RemoveIfFinal(), Predicates.alwaysFalse());
            }
            else
            {
                return false;
            }
            return true;
        }
        catch (final HazelcastSerializationException ex)
        {
            return false;
        }
    }

    /**
     * True when {@code ex} says a member could not load {@link KeyOrder} (a member of a version without it, during a
     * rolling upgrade): {@link #oursFailed} for that one class. Anything else (a planted record a query cannot read,
     * the grid away) is not this, and is thrown as before.
     */
    static boolean lacksKeyOrder(final Throwable ex)
    {
        return oursFailed(ex, List.of(KEY_ORDER_NAME));
    }

    /** The record as it is stored: text made storable, then authorised (the seal covers the stored text). */
    private CommandRecord safe(final CommandRecord command)
    {
        final CommandRecord safe = command.withSafeText();
        if (safe != command && textRepaired != null)
        {
            textRepaired.increment();
        }
        return authority == null ? safe : authority.authorise(safe);
    }

    /**
     * Runs this ledger's paths for an order once, changing nothing: {@code sample} is made storable and sealed (the
     * first seal loads the security providers), an id is drawn (the first draws a batch from the cluster; this one
     * stays unused, as ids need not be dense), and the per-drone query and a lookup run for drone and command id 0,
     * which nothing can have. A process calls it before it says it is ready, so that its first real order does not pay
     * for loading and compiling all of this.
     */
    public void warmUp(final CommandRecord sample)
    {
        safe(sample);
        newId();
        droneCommands(0);
        // The trim's two queries (its first use loaded and compiled ~0.1 s of query code on an order's thread).
        firstKeys(finalOf(0), 1);
        try
        {
            commands.project(Projections.<Map.Entry<Long, CommandRecord>>multiAttribute(DRONE_ROW),
                Predicates.and(finalOf(0), byIds(new Long[]{0L}, oldKeyQuery())));
        }
        catch (final HazelcastSerializationException ex)
        {
            // A member without AmongIds (a rolling upgrade): the bounds use the old key query meanwhile; else thrown.
            if (!startedOldKeyQuery(ex))
            {
                throw ex;
            }
        }
        commands.get(0L);
        keys.get(sample.issuedBy() + "/");
    }

    /** True when this ledger authorises what it records (it holds the command key). */
    public boolean authorises()
    {
        return authority != null;
    }

    /** True when {@code command} was authorised with the command key this ledger holds; false without a key. */
    public boolean authorised(final CommandRecord command)
    {
        return authority != null && authority.verifies(command);
    }

    /**
     * The command {@code id} once it is in the ledger, or null if it is not there within {@link #keyRaceTimeoutMs}: told
     * by an entry listener on that one key, so the wait ends the moment the record is written (no polling).
     */
    private CommandRecord awaitRecorded(final long id)
    {
        // A record there that cannot be read counts as none: the key goes to the new command.
        final CommandRecord now = get(id);
        if (now != null)
        {
            return now;
        }
        if (commands.containsKey(id))
        {
            // There now: written since the first look (read it again), or there all along and unreadable (null again).
            // Taking "there" for "unreadable" gave a retry racing the first request's second write a command of its
            // own (CommandLedgerIT saw it once in CI).
            return get(id);
        }
        final CompletableFuture<CommandRecord> added = new CompletableFuture<>();
        final UUID listener = commands.addEntryListener((EntryAddedListener<Long, CommandRecord>)event ->
        {
            try
            {
                added.complete(event.getValue());
            }
            catch (final HazelcastSerializationException ex)
            {
                unreadable.skipped(ex);
                added.complete(null);
            }
        }, id, true);
        try
        {
            // Written between the first look and the listener's registration: no event will come for it.
            final CommandRecord meanwhile = get(id);
            return meanwhile != null ? meanwhile : added.get(keyRaceTimeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException | ExecutionException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        finally
        {
            commands.removeEntryListener(listener);
        }
    }

    /**
     * Records a command the drone started itself, once: a resent report of it finds the existing record.
     *
     * @return the command in the ledger and whether this call recorded it; null when refused because the drone has
     *         {@link #MAX_DRONE_STARTED_ACTIVE} of its own commands running (a real drone runs one: more is a confused
     *         or forged sender, which must not fill the ledger), or because its id holds a record this version cannot
     *         read (counted; that record is left as it is).
     */
    public Issued recordDroneCommand(final CommandRecord unchecked)
    {
        final CommandRecord command = safe(unchecked);
        if (commands.containsKey(command.id()))
        {
            // Its id is taken: the drone's resent report (the same record), or a record this version cannot read, or
            // a grid client's copy of another command put under this id (which the drone's report is no repeat of).
            final CommandRecord known = get(command.id());
            return known == null || known.id() != command.id() ? null : new Issued(known, false);
        }
        final DroneCommands drone = droneCommands(command.droneId());
        if (command.active() && drone.droneStartedActive >= MAX_DRONE_STARTED_ACTIVE)
        {
            return null;
        }
        final CommandRecord existing;
        try
        {
            existing = commands.putIfAbsent(command.id(), command);
        }
        catch (final HazelcastSerializationException ex)
        {
            // Taken meanwhile by a record this version cannot read: left where it is, and this report is refused.
            unreadable.skipped(ex);
            return null;
        }
        if (existing != null)
        {
            return existing.id() == command.id() ? new Issued(existing, false) : null;
        }
        trimFinal(drone, command.active() ? 0 : 1);
        return new Issued(command, true);
    }

    /**
     * @return the updated record, or null when the update did not apply (already final, out of order, unknown id, or a
     *         record there that this version cannot read: counted by the member, and left as it is).
     */
    public CommandRecord update(final long id, final CommandUpdate update)
    {
        final CommandUpdate safe = update.withSafeText();
        if (safe != update && textRepaired != null)
        {
            textRepaired.increment();
        }
        // A stored record the member cannot read is counted there (CommandUpdate), and the update answers null.
        return commands.executeOnKey(id, safe);
    }

    /**
     * The command {@code id}, or null when there is none or its record cannot be read (counted). Read untyped: a grid
     * client writes a value of any type over an id, and one of a Compact type nobody has (a GenericRecord here) cast to
     * a record failed the command's every read, by the gateway and by the relays, with a ClassCastException.
     */
    public CommandRecord get(final long id)
    {
        final Object value;
        try
        {
            value = ((IMap<Long, ?>)commands).get(id);
        }
        catch (final HazelcastSerializationException ex)
        {
            unreadable.skipped(ex);
            return null;
        }
        if (value == null || value instanceof CommandRecord)
        {
            return (CommandRecord)value;
        }
        unreadable.skippedForeign(value);
        return null;
    }

    /**
     * Every command not yet in a final state, each under its own id ({@link #underOwnIds}): a copy under another key is
     * left out, so the sweep neither relays it nor waits on it, and {@link #retireUnreadableActive} removes it.
     */
    public Collection<CommandRecord> active()
    {
        return underOwnIds(commands.entrySet(Predicates.equal("active", true)));
    }

    /**
     * The readable records of a query's entries that are stored under their own id. The seal covers the id, not the
     * key, so a grid client could copy a drone's sealed active order under 16 keys of its own: each copy verified and
     * counted against the drone's limit, and the sweep, which updates a command by its id, never moved a copy final, so
     * every later order to the drone, stop included, was refused for good. Nothing this version writes stores a record
     * under another key: a copy is left out, counted as unsealed ({@link #leftOutUnsealed}), unreadable ones as such.
     */
    private List<CommandRecord> underOwnIds(final Collection<Map.Entry<Long, CommandRecord>> found)
    {
        final List<CommandRecord> records = new ArrayList<>(found.size());
        eachReadable(found, (key, command) ->
        {
            if (key instanceof Long id && id == command.id())
            {
                records.add(command);
            }
            else
            {
                leftOutUnsealed();
            }
        });
        return records;
    }

    /**
     * Hands {@code each} the key (untyped) and the command record of every entry of a query's answer that can be read:
     * a grid client writes keys and values of any type, and a typed read casts them. One whose key or value cannot be
     * read (a class nobody here has), or whose value is no command record (a Compact type of another name, read as a
     * GenericRecord), is left out and counted as unreadable; the rest go on.
     */
    private void eachReadable(
        final Collection<Map.Entry<Long, CommandRecord>> found,
        final java.util.function.BiConsumer<Object, CommandRecord> each)
    {
        for (final Map.Entry<Long, CommandRecord> entry : unreadable.readable(found))
        {
            final Object key;
            final Object value;
            try
            {
                key = ((Map.Entry<?, ?>)entry).getKey();
                value = ((Map.Entry<?, ?>)entry).getValue();
            }
            catch (final HazelcastSerializationException ex)
            {
                unreadable.skipped(ex);
                continue;
            }
            if (value instanceof CommandRecord command)
            {
                each.accept(key, command);
            }
            else
            {
                unreadable.skippedForeign(value);
            }
        }
    }

    /**
     * Removes the records marked active that this version cannot read (written into the grid by something else: an
     * update cannot move them, so they would stay "active" for ever), and readable ones stored under a key that is not
     * their id (a grid client's copies: {@link #underOwnIds}; an update by the id never reaches them either). Each is read once more before it goes, and only
     * one that still cannot be read is removed. (Not in one step on its member: the map's entry would read the value it
     * replaces, which is what cannot be done. The only writes that could land between the two steps are new commands,
     * whose ids come from the id generator or a drone's own numbering, which refuses an id that holds a record.)
     *
     * @param readableActive what {@link #active()} answered a moment ago: the caller's sweep reads it anyway, and a
     *                       second read here doubled the sweep's reads of every active record. A record written since
     *                       is among the candidates, is read once more, and stays.
     * @return how many were removed.
     */
    public int retireUnreadableActive(final Collection<CommandRecord> readableActive)
    {
        @SuppressWarnings("unchecked")
        final IMap<Object, Object> raw = (IMap<Object, Object>)(IMap<?, ?>)commands;
        final Set<Object> candidates = new HashSet<>();
        for (final Iterator<Object> it = raw.keySet(Predicates.equal("active", true)).iterator(); it.hasNext(); )
        {
            try
            {
                candidates.add(it.next());
            }
            catch (final HazelcastSerializationException ex)
            {
                // A key of a class this process lacks (a grid client's): it cannot be named to delete; the sweep goes on.
                unreadable.skipped(ex);
            }
        }
        if (candidates.isEmpty())
        {
            return 0;
        }
        for (final CommandRecord readable : readableActive)
        {
            candidates.remove(readable.id());
        }
        int retired = 0;
        for (final Object key : candidates)
        {
            try
            {
                final Object value = raw.get(key);
                // A readable record stays, unless it is a copy under a key that is not its id (see underOwnIds): no
                // update moves a copy final, and nothing this version writes stores one, so it goes like the others.
                if (value == null || value instanceof CommandRecord command && key instanceof Long id &&
                    id == command.id())
                {
                    continue;
                }
            }
            catch (final HazelcastSerializationException ex)
            {
                // Still unreadable: removed below, without reading it (delete, not remove).
            }
            raw.delete(key);
            retired++;
        }
        return retired;
    }

    /**
     * Removes, from the next block of the map's partitions, the final records that carry no valid seal of the command
     * key this ledger holds ({@link #genuine}): planted by a grid client, not history, yet each one dated just below
     * "now" pushed a genuine record down the lists (which leave it out, but read at most {@link #MAX_LIST_PAGES} pages).
     * A ledger without the key cannot tell, and removes nothing. Successive calls walk the partitions round, a block at a
     * time (the block doubles while it holds fewer than about {@link #UNSEALED_SCAN_RECORDS} final records and halves
     * while it holds more), taking the block's keys once and reading at most {@link #UNSEALED_SCAN_RECORDS} records a
     * call, however many a grid client put in one partition. One caller thread.
     * <p>
     * A record sealed under another command key (one before a rotation, or a node not yet restarted onto the new key)
     * is not genuine here either: the lists of this key's holders already leave it out, and removing it loses nothing the
     * archive would have had, because every transition is journaled by the node that makes it ({@code node}) at that
     * moment, except a record stored final with no relay ({@code node} null, e.g. a gateway's refusal), which waits for
     * {@code journalUnrelayed} to journal it: such a record is kept while it has transitions no journal holds. A
     * record a grid client plants so is journaled (as any such record) and removed on a later pass.
     *
     * @return how many were removed (counted, {@link #countingUnsealedRemoved}).
     */
    public int removeUnsealedFinal()
    {
        if (authority == null)
        {
            return 0;
        }
        // Raw: the map takes keys of any type from a grid client, and a cast of one to a command id threw here, every
        // second, before the geofence guard ran.
        final IMap<Object, Object> raw = rawCommands();
        if (walkKeys.isEmpty())
        {
            nextBlock(raw);
        }
        // Records are read a batch at a time whatever a partition holds: a grid client chooses keys, and one partition
        // holding 200,000 of them was read whole on the caller's (the relay's) thread.
        final List<Object> batch = new ArrayList<>();
        final List<Object> strays = new ArrayList<>();
        while (batch.size() < UNSEALED_SCAN_RECORDS && !walkKeys.isEmpty())
        {
            final Object key = walkKeys.poll();
            if (key instanceof Long)
            {
                batch.add(key);
            }
            else
            {
                // No command is stored under anything but its id: whatever this is, it is not history.
                strays.add(key);
            }
        }
        final List<Long> unsealed = new ArrayList<>();
        // Unreadable ones (counted) are left: sorted last by every list, they push nothing off one; a drone's bound
        // evicts them.
        for (final Map.Entry<Object, Object> entry : readAll(raw, batch, new HashSet<>()).entrySet())
        {
            final Object value = entry.getValue();
            final long id = (Long)entry.getKey();
            if (!(value instanceof CommandRecord command))
            {
                continue;
            }
            final boolean awaitsJournal = command.node() == null && command.journaled() < command.transitionCount();
            // By its key: a record planted under another command's id must not take that one with it. A sealed
            // record under a key that is not its id is a copy, not history.
            if (!command.active() && !awaitsJournal && (!genuine(command) || command.id() != id))
            {
                unsealed.add(id);
            }
        }
        if (unsealed.isEmpty() && strays.isEmpty())
        {
            return 0;
        }
        removeFinal(unsealed);
        removeStrays(strays);
        final int removed = unsealed.size() + strays.size();
        // Counted as this call removed them: another node's pass may have taken one a moment earlier (both count it).
        if (unsealedRemoved != null)
        {
            unsealedRemoved.add(removed);
        }
        return removed;
    }

    /**
     * The keys of the final records in the next block of partitions, for the walk to read a batch at a time (at most
     * {@link #MAX_WALK_KEYS} kept: the rest wait for the next round). Keys only: a few bytes each, nothing verified.
     */
    private void nextBlock(final IMap<Object, Object> raw)
    {
        final Long[] partitionKeys = partitionKeys();
        final Set<Long> block = new HashSet<>();
        final int blockSize = Math.min(scanBlock, partitionKeys.length);
        for (int i = 0; i < blockSize; i++)
        {
            block.add(partitionKeys[(scanNext + i) % partitionKeys.length]);
        }
        scanNext = (scanNext + blockSize) % partitionKeys.length;
        final Set<Object> keys = raw.keySet(Predicates.multiPartitionPredicate(block, Predicates.equal("active", false)));
        final Iterator<Object> it = keys.iterator();
        int found = 0;
        while (it.hasNext() && walkKeys.size() < MAX_WALK_KEYS)
        {
            try
            {
                walkKeys.add(it.next());
                found++;
            }
            catch (final HazelcastSerializationException ex)
            {
                // A key of a type this version cannot read cannot be named to delete either: left to an operator.
                unreadable.skipped(ex);
            }
        }
        if (found < UNSEALED_SCAN_RECORDS / 2)
        {
            scanBlock = Math.min(partitionKeys.length, scanBlock * 2);
        }
        else if (found > UNSEALED_SCAN_RECORDS * 2)
        {
            scanBlock = Math.max(1, scanBlock / 2);
        }
    }

    /**
     * The records under {@code keys} that could be read, in one call (one by one when one of them cannot be read); the
     * keys of those that could not are added to {@code unreadableKeys} (and counted).
     */
    private Map<Object, Object> readAll(
        final IMap<Object, Object> raw, final List<Object> keys, final Set<Object> unreadableKeys)
    {
        final Map<Object, Object> found = new HashMap<>();
        if (keys.isEmpty())
        {
            return found;
        }
        try
        {
            for (final Map.Entry<Object, Object> entry : raw.getAll(new HashSet<>(keys)).entrySet())
            {
                try
                {
                    found.put(entry.getKey(), entry.getValue());
                }
                catch (final HazelcastSerializationException ex)
                {
                    // A value may be read only when asked for.
                    unreadable.skipped(ex);
                    unreadableKeys.add(entry.getKey());
                }
            }
            return found;
        }
        catch (final HazelcastSerializationException ex)
        {
            found.clear();
            unreadableKeys.clear();
            for (final Object key : keys)
            {
                try
                {
                    final Object value = raw.get(key);
                    if (value != null)
                    {
                        found.put(key, value);
                    }
                }
                catch (final HazelcastSerializationException unreadableOne)
                {
                    unreadable.skipped(unreadableOne);
                    unreadableKeys.add(key);
                }
            }
            return found;
        }
    }

    /**
     * Removes the records under {@code ids}, read as final a moment ago: in one call, final ones only, checked again
     * where they live (one that is active cannot be among them). That call weighs every final record's key on the
     * members, and one key of a class they lack (written by a grid client with classes of its own) failed it, and with
     * it every drone's bound and every ingest sweep, fleet-wide. Then the ids are deleted one by one, by key (no other
     * key is read): a final record never becomes active again (its state machine ends there), new commands take fresh
     * ids, and a drone's own numbering refuses an id that holds a record, so nothing else is under these keys.
     */
    private void removeFinal(final List<Long> ids)
    {
        if (ids.isEmpty())
        {
            return;
        }
        try
        {
            // By the keys alone: a predicate naming keys ("__key") was weighed against every final record in the fleet,
            // and ONE under a key of a class the members lack (a grid client's, any drone) failed every removal, an
            // ERROR on a member each time. The processor keeps the "still final" check on the member.
            for (final Map.Entry<Long, Boolean> unreadableThere :
                removableCommands().executeOnKeys(new HashSet<>(ids), new RemoveIfFinal()).entrySet())
            {
                if (Boolean.TRUE.equals(unreadableThere.getValue()))
                {
                    // Chosen as final, and nothing this version writes is unreadable: deleted unread (see below).
                    commands.delete(unreadableThere.getKey());
                }
            }
            return;
        }
        catch (final HazelcastSerializationException ex)
        {
            // A member without RemoveIfFinal (a rolling upgrade): the way the older version removed them. Not a record
            // a grid client planted: counting it so (and logging it as one) made every eviction of the upgrade look
            // like an attack (CommandLedgerUpgradeIT).
            if (oursFailed(ex, List.of(REMOVE_IF_FINAL_NAME)))
            {
                final long suppressed = evictionFallbackLog.tryAcquireShared(System.nanoTime());
                if (suppressed >= 0)
                {
                    LOG.warn("a grid member cannot load {} (not upgraded yet?): evictions of final commands remove " +
                        "as the previous version did ({} similar lines suppressed); upgrade the grid members first",
                        REMOVE_IF_FINAL_NAME, suppressed);
                }
            }
            else
            {
                unreadable.skipped(ex);
            }
        }
        try
        {
            commands.removeAll(Predicates.and(Predicates.in("__key", ids.toArray(new Long[0])),
                Predicates.equal("active", false)));
        }
        catch (final HazelcastSerializationException ex)
        {
            unreadable.skipped(ex);
            for (final Long id : ids)
            {
                commands.delete(id);
            }
        }
    }

    /**
     * Removes a record the ledger chose to evict only if it is still final (an update may have moved a planted one back
     * to active meanwhile; an active command is never evicted). One this member cannot read cannot be removed here (the
     * removal reads the value it replaces, for the indexes): it answers true, and the caller deletes it unread.
     */
    static final class RemoveIfFinal implements EntryProcessor<Long, Object, Boolean>, Serializable
    {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean process(final Map.Entry<Long, Object> entry)
        {
            // As an Object: a value of a Compact type nobody here has comes back as a GenericRecord, which a
            // CommandRecord-typed read failed with a ClassCastException on the member, every eviction of that drone.
            final Object current;
            try
            {
                current = entry.getValue();
            }
            catch (final HazelcastSerializationException ex)
            {
                return Boolean.TRUE;
            }
            if (current instanceof CommandRecord record)
            {
                if (!record.active())
                {
                    entry.setValue(null);
                }
                return null;
            }
            // Not a record of ours (chosen for eviction as planted): deleted by the caller, unread.
            return current == null ? null : Boolean.TRUE;
        }
    }

    /**
     * Deletes records stored under keys that are no command id, one by one (a predicate comparing keys of several
     * types on the members could fail as a whole). Never read again: nothing of this version is stored so.
     */
    private void removeStrays(final List<Object> strays)
    {
        final IMap<Object, Object> raw = rawCommands();
        for (final Object key : strays)
        {
            raw.delete(key);
        }
    }

    /** The ledger's map as a grid client may have written it: keys and values of any type. */
    @SuppressWarnings("unchecked")
    private IMap<Object, Object> rawCommands()
    {
        return (IMap<Object, Object>)(IMap<?, ?>)commands;
    }

    /** The map as the eviction's processor sees it: Long keys, values of any type (a grid client's included). */
    @SuppressWarnings("unchecked")
    private IMap<Long, Object> removableCommands()
    {
        return (IMap<Long, Object>)(IMap<?, ?>)commands;
    }

    /** A key of each partition of the map, by partition id: what a partition predicate names a partition by. */
    private Long[] partitionKeys()
    {
        if (partitionKeys == null)
        {
            final int count = partitions.getPartitions().size();
            final Long[] found = new Long[count];
            int missing = count;
            for (long key = 0; missing > 0; key++)
            {
                final int partition = partitions.getPartition(key).getPartitionId();
                if (found[partition] == null)
                {
                    found[partition] = key;
                    missing--;
                }
            }
            partitionKeys = found;
        }
        return partitionKeys;
    }

    /** The most recent commands (issued within the last hour), newest first: what a new watcher starts from. */
    public List<CommandRecord> recent(final int limit)
    {
        final long since = clock.nanoTime() - TimeUnit.HOURS.toNanos(1);
        return newest(Predicates.greaterThan("issuedAtNanos", since), limit);
    }

    /** Final commands with transitions no journal has yet (refused before any relay saw them). */
    public Collection<CommandRecord> unjournaledFinal()
    {
        // Values, untyped: a grid client's value of a Compact type nobody has, with these two fields, matches, and a
        // typed read cast it, failing the relays' every journal pass (see get).
        @SuppressWarnings("unchecked")
        final IMap<Long, Object> untyped = (IMap<Long, Object>)(IMap<?, ?>)commands;
        final List<CommandRecord> records = new ArrayList<>();
        for (final Object value : unreadable.readable(untyped.values(
            Predicates.and(Predicates.equal("active", false), Predicates.equal("unjournaled", true)))))
        {
            if (value instanceof CommandRecord command)
            {
                records.add(command);
            }
            else
            {
                unreadable.skippedForeign(value);
            }
        }
        return records;
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
        return newest(filters.isEmpty() ? Predicates.alwaysTrue() : Predicates.and(filters.toArray(new Predicate[0])),
            limit);
    }

    /**
     * The {@code limit} newest genuine commands matching {@code filter}, newest first. Each member sorts its own matches
     * and sends its first {@code limit} (a paging predicate): the ledger holds up to ~100 final commands per drone, over
     * a million records at 10,000 drones, and a read of all of them into the caller for one page (as every
     * {@code GET /api/v1/commands} and {@code /ws/commands} connect did) took the gateway's heap and the members' CPU.
     * <p>
     * A record without a valid seal ({@link #genuine}) is left out and counted, and the next page read in its place, up
     * to {@link #MAX_LIST_PAGES} pages; a record dated more than {@link #MAX_ISSUED_AHEAD_NS} ahead of this ledger's
     * clock is not even asked for (nothing genuine is issued in the future, and a planted one dated years ahead would
     * otherwise top every list for good).
     */
    private List<CommandRecord> newest(final Predicate<Long, CommandRecord> filter, final int limit)
    {
        final Predicate<Long, CommandRecord> asked = Predicates.and(filter,
            Predicates.lessEqual("issuedAtNanos", clock.nanoTime() + MAX_ISSUED_AHEAD_NS));
        if (classesOnMembers.remembersLacking(UNDER_COMMAND_IDS_NAME, System.nanoTime(), members))
        {
            // Found lacking within the minute: each list of the upgrade asked the members again, failed, and probed.
            return oldList(asked, limit);
        }
        try
        {
            return newestPages(Predicates.and(asked, new UnderCommandIds()), limit, OURS_ON_MEMBERS);
        }
        catch (final HazelcastSerializationException ex)
        {
            if (!membersLack(ex, List.of(UNDER_COMMAND_IDS_NAME)))
            {
                throw ex;
            }
            return oldList(asked, limit);
        }
    }

    /**
     * A list while a member of a version without {@link UnderCommandIds} is in the grid (a rolling upgrade): the list
     * as that version read it, which keys of a class nobody has, dated ahead, may leave short until the members are
     * upgraded. Counted ({@link #countingListFallbacks}), said once a minute; the new query is tried again a minute
     * after a member was last found lacking it.
     */
    private List<CommandRecord> oldList(final Predicate<Long, CommandRecord> asked, final int limit)
    {
        if (listFallbacks != null)
        {
            listFallbacks.increment();
        }
        final long suppressed = listFallbackLog.tryAcquireShared(System.nanoTime());
        if (suppressed >= 0)
        {
            LOG.warn("a grid member cannot load {} (not upgraded yet?): command lists are read without it, and " +
                "records a grid client planted under keys of classes nobody has may leave them short ({} similar " +
                "lines suppressed); upgrade the grid members first", UNDER_COMMAND_IDS_NAME, suppressed);
        }
        return newestPages(asked, limit, OURS_BUT_UNDER_COMMAND_IDS);
    }

    /** @param sent our classes the query sends the members: a failure naming another is a planted key's. */
    private List<CommandRecord> newestPages(
        final Predicate<Long, CommandRecord> asked, final int limit, final List<String> sent)
    {
        final PagingPredicate<Long, CommandRecord> page = Predicates.pagingPredicate(asked, new NewestFirst(),
            Math.max(1, limit));
        final List<CommandRecord> found = new ArrayList<>();
        for (int pages = 0; pages < MAX_LIST_PAGES && found.size() < limit; pages++)
        {
            // Entries, not values: a record is history only under its own id (see history(Object, CommandRecord)).
            final Collection<Map.Entry<Long, CommandRecord>> pageRead;
            try
            {
                pageRead = commands.entrySet(page);
            }
            catch (final HazelcastSerializationException ex)
            {
                // The client reads the entry a page ends on (the next page's anchor): its key is a command id
                // (UnderCommandIds), but its value may be one nobody here can read, or, on a member without
                // UnderCommandIds, its key. The list answers what it read, counted; a class of ours is a fault, thrown.
                if (membersLack(ex, sent))
                {
                    throw ex;
                }
                unreadable.skipped(ex);
                break;
            }
            eachReadable(pageRead, (key, command) ->
            {
                if (history(key, command))
                {
                    found.add(command);
                }
                else
                {
                    leftOutUnsealed();
                }
            });
            if (pageRead.size() < page.getPageSize() || found.size() >= limit)
            {
                break;
            }
            page.nextPage();
        }
        // The page comes sorted; sorted again here so the order does not rest on how the members' pages were merged.
        return found.stream()
            .sorted(Comparator.comparingLong(CommandRecord::issuedAtNanos).reversed().thenComparing(CommandRecord::id))
            .limit(limit)
            .toList();
    }

    /**
     * Newest first, then by command id: the order of every command list. Runs on the members and where their pages
     * are merged; a record that cannot be read (written by something else) sorts last and is left out by the caller.
     */
    static final class NewestFirst implements Comparator<Map.Entry<Long, CommandRecord>>, Serializable
    {
        private static final long serialVersionUID = 1L;

        public int compare(final Map.Entry<Long, CommandRecord> a, final Map.Entry<Long, CommandRecord> b)
        {
            final int byTime = Long.compare(issuedAt(b), issuedAt(a));
            return byTime != 0 ? byTime : compareKeys(a, b);
        }

        /**
         * Command ids in order, any other key after them (all equal); also {@link KeyOrder}'s order (here, not there:
         * a member without KeyOrder has this class). A grid client writes keys of any type: a text key (its cast to a
         * command id) or one of a class the members lack (its reading) dated like a genuine record would fail the
         * drone's lists on the members at the tie.
         */
        static int compareKeys(final Map.Entry<?, ?> a, final Map.Entry<?, ?> b)
        {
            final Long x = id(a);
            final Long y = id(b);
            if (x == null || y == null)
            {
                return x == null ? (y == null ? byKeyBytes(a, b) : 1) : -1;
            }
            return Long.compare(x, y);
        }

        /**
         * Two keys that are no command id, by their stored bytes, never read: on a tie (0) Hazelcast's paging reads both
         * keys itself to break it ({@code SortingUtil.compare}), and two keys of a class the members lack, with a
         * drone's id in their records, made every order past that drone's bound log an ERROR on a member and fail.
         * Where the entries hold no stored form (the client merging pages), they stay equal: the client cannot read
         * such a key either, and skips it.
         */
        private static int byKeyBytes(final Map.Entry<?, ?> a, final Map.Entry<?, ?> b)
        {
            if (a instanceof com.hazelcast.query.impl.QueryableEntry<?, ?> x &&
                b instanceof com.hazelcast.query.impl.QueryableEntry<?, ?> y)
            {
                final com.hazelcast.internal.serialization.Data dx = x.getKeyData();
                final com.hazelcast.internal.serialization.Data dy = y.getKeyData();
                if (dx != null && dy != null)
                {
                    return java.util.Arrays.compare(dx.toByteArray(), dy.toByteArray());
                }
            }
            return 0;
        }

        private static Long id(final Map.Entry<?, ?> entry)
        {
            if (!mayBeCommandId(entry))
            {
                return null;
            }
            try
            {
                return entry.getKey() instanceof Long id ? id : null;
            }
            catch (final RuntimeException ex)
            {
                return null;
            }
        }

        /**
         * Untyped: a grid client stores values of any type under a command id (the key is all {@link UnderCommandIds}
         * weighs, so as not to read every value of a fleet-wide list on the members), and one of a Compact type nobody
         * has is a GenericRecord here; the typed read cast it and failed every list that held it with a
         * ClassCastException. Such a value, and one that cannot be read at all, sorts last; the caller leaves it out.
         */
        private static long issuedAt(final Map.Entry<Long, CommandRecord> entry)
        {
            try
            {
                return ((Map.Entry<?, ?>)entry).getValue() instanceof CommandRecord command ? command.issuedAtNanos() :
                    Long.MIN_VALUE;
            }
            catch (final RuntimeException ex)
            {
                // Unreadable (planted by a grid client): last in the page, left out by the caller's read.
                return Long.MIN_VALUE;
            }
        }
    }

    /**
     * False when an entry's key is surely no command id, decided from its stored type without reading it: on the
     * members, where a key lies as bytes, a read of one of a class nobody has fails each time (Hazelcast keeps no
     * failed read), and a page's comparator and predicates read each key they weigh again and again: N such keys
     * with a drone's id cost N log N failed deserializations (class loading, stack traces) on partition threads per
     * order. True (read it to know) where the entry holds no stored form: the client merging pages.
     */
    static boolean mayBeCommandId(final Map.Entry<?, ?> entry)
    {
        if (entry instanceof com.hazelcast.query.impl.QueryableEntry<?, ?> stored)
        {
            final com.hazelcast.internal.serialization.Data key = stored.getKeyData();
            return key == null || key.getType() == LONG_TYPE_ID;
        }
        return true;
    }

    /** Hazelcast's serializer type id of a {@code Long} (SerializationConstants.CONSTANT_TYPE_LONG). */
    private static final int LONG_TYPE_ID =
        com.hazelcast.internal.serialization.impl.SerializationConstants.CONSTANT_TYPE_LONG;

    /**
     * Entries stored under a command id (a {@code Long} key): every list asks the members for these only. A grid client
     * writes keys of any type; one of a class nobody here has, dated just ahead of a drone's history, topped the
     * members' page and ended it, and the client, which reads the entry a page ends on as the next page's anchor,
     * failed on it: as few as a list's limit of them left the drone's list, the fleet list and every new
     * {@code /ws/commands} watcher's first list EMPTY. Nothing this version writes is stored under any other key, so
     * nothing such a key holds is history. Runs on the members: a key that cannot be read there is simply not one
     * (no ERROR, no failed query).
     */
    static final class UnderCommandIds implements Predicate<Long, CommandRecord>, Serializable
    {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean apply(final Map.Entry<Long, CommandRecord> entry)
        {
            if (!mayBeCommandId(entry))
            {
                return false;
            }
            try
            {
                // Untyped: a typed read would cast whatever the key is to a command id.
                return ((Map.Entry<?, ?>)entry).getKey() instanceof Long;
            }
            catch (final RuntimeException ex)
            {
                return false;
            }
        }
    }

    /**
     * Entries under one of the given command ids: what the bound on a drone's final commands asks the members for
     * instead of naming keys ({@code Predicates.in("__key", ...)}), which reads every key it weighs there. A grid
     * client writes records of a drone under keys of a class no member has: each order past the drone's bound made a
     * member log an ERROR on that key and failed the bound, so the drone grew past it while the key stayed. A key that
     * cannot be read (or is no command id) is simply not one of these: no ERROR, no failed query.
     */
    static final class AmongIds<K, V> implements Predicate<K, V>, Serializable
    {
        private static final long serialVersionUID = 1L;

        private final long[] sorted;

        AmongIds(final Long[] ids)
        {
            sorted = new long[ids.length];
            for (int i = 0; i < ids.length; i++)
            {
                sorted[i] = ids[i];
            }
            java.util.Arrays.sort(sorted);
        }

        @Override
        public boolean apply(final Map.Entry<K, V> entry)
        {
            if (!mayBeCommandId(entry))
            {
                return false;
            }
            try
            {
                return entry.getKey() instanceof Long id && java.util.Arrays.binarySearch(sorted, id) >= 0;
            }
            catch (final RuntimeException ex)
            {
                return false;
            }
        }
    }

    /**
     * Which of our classes the members run, as probed ({@link #membersLack}), each answer kept {@code ttlNs} of the
     * monotonic clock, and only while the grid's members are those it was probed on: a grid client can make a probe
     * happen at will (a key whose class name ends with one of ours fails a query naming it), and a remembered "members
     * run it" then outlived a member of an older version joining (a rollback, a rescheduled pod): every list answered
     * 500 and every bound failed for up to a minute instead of falling back. Gateway threads probe at once: a race
     * probes twice, and the answer of the later probe stays (an earlier one finishing last no longer overwrites it).
     */
    static final class ClassesOnMembers
    {
        private final long ttlNs;
        private final Map<String, Answer> found = new java.util.concurrent.ConcurrentHashMap<>();

        private record Answer(long probedNs, boolean runs, Object members)
        {
        }

        ClassesOnMembers(final long ttlNs)
        {
            this.ttlNs = ttlNs;
        }

        /**
         * True: members run it; false: a member lacks it; null: not known (never probed, over {@code ttlNs} ago, or
         * the members have changed since). {@code members} is asked only when an answer is there to check.
         */
        Boolean known(final String name, final long nowNs, final java.util.function.Supplier<Object> members)
        {
            final Answer answer = found.get(name);
            return answer == null || nowNs - answer.probedNs >= ttlNs || !answer.members.equals(members.get()) ?
                null : answer.runs;
        }

        /** @param probedNs when the probe started; {@code members} the members then */
        void found(final String name, final boolean runs, final long probedNs, final Object members)
        {
            found.merge(name, new Answer(probedNs, runs, members),
                (older, newer) -> newer.probedNs - older.probedNs >= 0 ? newer : older);
        }

        boolean remembersLacking(final String name, final long nowNs, final java.util.function.Supplier<Object> members)
        {
            return Boolean.FALSE.equals(known(name, nowNs, members));
        }
    }

    /**
     * Final records found genuine (sealed with the command key, stored under their own id), by drone, the drone least
     * recently trimmed forgotten first, and at most {@link #VERIFIED_PER_DRONE} a drone (more are read again, a batch
     * an order at most). The seal covers only what never changes (id, drone, type, parameters, issuer, times:
     * {@link CommandAuthority}), so a record once verified stays genuine while it is there; one a grid client writes
     * over it under the same id is taken for it only with the same drone and issue time, where it takes the genuine
     * one's place and no other's. Only this process's verifications fill it: a grid client cannot. Gateway threads
     * trim at once: synchronised.
     */
    static final class VerifiedHistory
    {
        private final Map<Long, Map<Long, Long>> byDrone;

        VerifiedHistory(final int drones)
        {
            byDrone = new java.util.LinkedHashMap<>(64, 0.75f, true)
            {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(final Map.Entry<Long, Map<Long, Long>> eldest)
                {
                    return size() > drones;
                }
            };
        }

        /** The ids verified for {@code droneId} (and it the most recently trimmed drone). */
        synchronized Long[] ids(final long droneId)
        {
            final Map<Long, Long> ids = byDrone.get(droneId);
            return ids == null ? new Long[0] : ids.keySet().toArray(new Long[0]);
        }

        synchronized boolean known(final long droneId, final long id, final Object issuedAtNanos)
        {
            final Map<Long, Long> ids = byDrone.get(droneId);
            final Long at = ids == null ? null : ids.get(id);
            return at != null && at.equals(issuedAtNanos);
        }

        synchronized void add(final long droneId, final long id, final long issuedAtNanos)
        {
            final Map<Long, Long> ids = byDrone.computeIfAbsent(droneId, drone -> new HashMap<>());
            if (ids.size() < VERIFIED_PER_DRONE)
            {
                ids.put(id, issuedAtNanos);
            }
        }

        synchronized void forget(final long droneId, final Object id)
        {
            final Map<Long, Long> ids = byDrone.get(droneId);
            if (ids != null)
            {
                ids.remove(id);
            }
        }

        synchronized int drones()
        {
            return byDrone.size();
        }
    }

    /**
     * Keys in order, command ids first (by value), any other key after them (all equal): the members choose the page of
     * unverified records a trim reads by it. A grid client writes keys of any type; a key that cannot be read here (a
     * type this version does not know) sorts with the others rather than failing the drone's every order.
     */
    static final class KeyOrder implements Comparator<Map.Entry<Object, Object>>, Serializable
    {
        private static final long serialVersionUID = 1L;

        public int compare(final Map.Entry<Object, Object> a, final Map.Entry<Object, Object> b)
        {
            return NewestFirst.compareKeys(a, b);
        }
    }

    /** A command as recorded, and whether this request created it (false: an idempotent repeat). */
    public record Issued(CommandRecord command, boolean created)
    {
    }

    private record DroneCommands(long droneId, int active, int droneStartedActive, int finals)
    {
    }

    /** An idempotency key names another command of the same issuer: the request is a conflict, not a repeat. */
    public static final class IdempotencyConflictException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        IdempotencyConflictException(final String key, final CommandRecord existing)
        {
            super("idempotency key '" + key + "' was used for another command (" + existing.id() + ", " +
                existing.type() + " for drone " + existing.droneId() + ")", null, false, false);
        }
    }

    /** A drone has as many active commands as the caller allows: the next waits until one of them is final. */
    public static final class ActiveLimitException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        private final long droneId;
        private final int active;
        private final int limit;

        ActiveLimitException(final long droneId, final int active, final int limit)
        {
            super("drone " + droneId + " has " + active + " active commands, the most it may have (" + limit +
                "): wait until one is final, or cancel one", null, false, false);
            this.droneId = droneId;
            this.active = active;
            this.limit = limit;
        }

        public long droneId()
        {
            return droneId;
        }

        public int active()
        {
            return active;
        }

        public int limit()
        {
            return limit;
        }
    }
}
