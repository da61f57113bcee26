package io.odyssey.grid.ledger;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.FleetGrid;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A rolling upgrade: the grid member is still of a version without {@link CommandLedger.KeyOrder} (the comparator the
 * bound on a drone's final commands sends to the members since 2026-12-07) while a gateway of the new version orders.
 * The member runs in a class loader of its own that cannot load that one class, as the older version's jars could
 * not: every order of a drone past its bound failed until every member was upgraded. The bound now falls back to a
 * batch of the same size (the newest), counted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandLedgerUpgradeIT
{
    private static final long T0 = 1_764_000_000_000_000_000L;

    @Test
    void shouldKeepADroneToItsBoundWhileAMemberCannotLoadTheTrimsComparator() throws Exception
    {
        final Object member = olderMember(CommandLedger.KeyOrder.class.getName());
        HazelcastInstance client = null;
        try
        {
            client = clientOf(member);
            final Counter unordered = new Metrics("test").counter("odyssey_test_trim_unordered_total", "unordered");
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
                .countingTrimUnordered(unordered);
            final long drone = 77;

            final List<Long> issued = new ArrayList<>();
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 5; i++)
            {
                issued.add(ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.GOTO,
                        CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN), null, "ops", "127.0.0.1", T0 + i,
                        T0 + i + 300_000_000_000L).rejectedBeforeSending(T0 + i, "fence"))
                    .command().id());
            }

            assertThat(ledger.map().keySet(com.hazelcast.query.Predicates.equal("droneId", drone)))
                .as("every order accepted, the drone back to its bound, the oldest gone")
                .containsExactlyInAnyOrderElementsOf(
                    issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
            assertThat(unordered.get()).as("orders past the bound that took another batch").isEqualTo(5);

            // A grid client plants a thousand final records for the drone: the fallback took all of the drone's
            // unverified keys from the members on every order; it takes a batch.
            final java.util.Map<Long, CommandRecord> planted = new java.util.HashMap<>();
            for (int i = 0; i < 1_000; i++)
            {
                final long key = 9_000_000_000L + i;
                planted.put(key, CommandRecord.issued(key, drone, CommandType.HOLD, CommandParameters.NONE, null,
                    "ops", "127.0.0.1", T0 + 1_000 + i, T0 + 300_000_000_000L).rejectedBeforeSending(T0 + 1_000 + i, "x"));
            }
            ledger.map().putAll(planted);
            final long fetchedBefore = ledger.trimKeysFetched();
            ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.GOTO,
                CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN), null, "ops", "127.0.0.1", T0 + 5_000,
                T0 + 5_000 + 300_000_000_000L).rejectedBeforeSending(T0 + 5_000, "fence"));
            assertThat(ledger.trimKeysFetched() - fetchedBefore).as("keys an order took from the members")
                .isLessThanOrEqualTo(CommandLedger.TRIM_READ_RECORDS);
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            member.getClass().getMethod("shutdown").invoke(member);
        }
    }

    /**
     * A member lacking a class of ours that the upgrade fallback does not cover (here the fallback's own comparator
     * too): the bound cannot run, and that is a fault to see. The bound's catch for keys of a grid client's classes
     * took every such failure for a planted key, and the orders went on past the bound silently, counted as unreadable.
     */
    @Test
    void shouldNotTakeAMemberLackingAClassOfOursForAPlantedKey() throws Exception
    {
        final Object member = olderMember(CommandLedger.KeyOrder.class.getName(),
            CommandLedger.class.getName() + "$NewestFirst");
        HazelcastInstance client = null;
        try
        {
            client = clientOf(member);
            final Counter unreadable = new Metrics("test").counter("odyssey_test_unreadable_total", "unreadable");
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
                .countingUnreadable(unreadable);
            final long drone = 78;
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE; i++)
            {
                ledger.issue(refused(ledger, drone, T0 + i));
            }
            assertThatThrownBy(() -> ledger.issue(refused(ledger, drone, T0 + 1_000)))
                .as("the order past the bound fails, the member's missing class named")
                .hasStackTraceContaining("NewestFirst");
            assertThat(unreadable.get()).as("not counted as a planted key").isZero();
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            member.getClass().getMethod("shutdown").invoke(member);
        }
    }

    /**
     * A member of a version without {@link CommandLedger.RemoveIfFinal} (the eviction's processor since 2026-12-07):
     * the bound falls back to removing as that version did. The drone comes back to its bound, only final records go,
     * and nothing is counted as a record a grid client planted.
     */
    @Test
    void shouldKeepADroneToItsBoundWhileAMemberCannotLoadTheEvictionsProcessor() throws Exception
    {
        final Object member = olderMember(CommandLedger.class.getName() + "$RemoveIfFinal");
        HazelcastInstance client = null;
        try
        {
            client = clientOf(member);
            final Counter unreadable = new Metrics("test").counter("odyssey_test_unreadable_total", "unreadable");
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
                .countingUnreadable(unreadable);
            final long drone = 79;
            final CommandRecord active = ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.HOLD,
                CommandParameters.NONE, null, "ops", "127.0.0.1", T0, T0 + 300_000_000_000L)).command();
            final List<Long> issued = new ArrayList<>();
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 5; i++)
            {
                issued.add(ledger.issue(refused(ledger, drone, T0 + i)).command().id());
            }
            final List<Long> kept = new ArrayList<>(
                issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
            kept.add(active.id());
            assertThat(ledger.map().keySet(com.hazelcast.query.Predicates.equal("droneId", drone)))
                .as("every order accepted, the drone back to its bound, the oldest gone, the active one kept")
                .containsExactlyInAnyOrderElementsOf(kept);
            assertThat(unreadable.get()).as("not counted as a planted record").isZero();
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            member.getClass().getMethod("shutdown").invoke(member);
        }
    }

    /**
     * A member of a version without {@link CommandLedger.UnderCommandIds} (what every list asks the members for since
     * 2026-12-07): the lists are read as that version read them, not answered 500.
     */
    @Test
    void shouldListADronesCommandsWhileAMemberCannotLoadTheListsPredicate() throws Exception
    {
        final Object member = olderMember(CommandLedger.UNDER_COMMAND_IDS_NAME);
        HazelcastInstance client = null;
        try
        {
            client = clientOf(member);
            final Counter fallbacks = new Metrics("test").counter("odyssey_test_list_fallbacks_total", "fallbacks");
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
                .countingListFallbacks(fallbacks);
            final long drone = 80;
            final List<Long> newestFirst = new ArrayList<>();
            for (int i = 1; i <= 5; i++)
            {
                newestFirst.add(0, ledger.issue(refused(ledger, drone, T0 + i)).command().id());
            }
            final long probesBefore = ledger.membersProbed();
            for (int request = 0; request < 5; request++)
            {
                assertThat(ledger.list(drone, null, false, 3)).extracting(CommandRecord::id)
                    .containsExactlyElementsOf(newestFirst.subList(0, 3));
                assertThat(ledger.list(0, null, false, 2)).extracting(CommandRecord::id)
                    .containsExactlyElementsOf(newestFirst.subList(0, 2));
            }
            assertThat(fallbacks.get()).as("lists read the older version's way, counted").isEqualTo(10);
            // Each list asked the members with the new predicate again, failed and probed: twice the cluster's work
            // for every list of the upgrade. The lack is remembered a minute.
            assertThat(ledger.membersProbed() - probesBefore).as("probes over 10 lists").isEqualTo(1);
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            member.getClass().getMethod("shutdown").invoke(member);
        }
    }

    /**
     * A grid client makes a probe happen at will (a failure naming one of our classes, e.g. a key whose class name ends
     * with it), and "the members run UnderCommandIds" was then remembered a minute: a member of an older version
     * joining meanwhile (a rollback, a rescheduled pod) made every list answer 500 for up to that minute instead of
     * reading the older version's way. An answer holds only while the members are those it was probed on.
     */
    @Test
    void shouldFallBackAtOnceWhenAMemberLackingTheListsPredicateJoinsAfterAProbeFoundItRun() throws Exception
    {
        final String cluster = "command-ledger-upgrade-it-" + UUID.randomUUID();
        final int port = 19_701 + (int)(Math.random() * 2000);
        final Object current = olderMember(cluster, port, port);
        Object older = null;
        HazelcastInstance client = null;
        try
        {
            client = clientOf(current);
            final Counter fallbacks = new Metrics("test").counter("odyssey_test_list_fallbacks_total", "fallbacks");
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
                .countingListFallbacks(fallbacks);
            final long drone = 82;
            final List<Long> newestFirst = new ArrayList<>();
            for (int i = 1; i <= 3; i++)
            {
                newestFirst.add(0, ledger.issue(refused(ledger, drone, T0 + i)).command().id());
            }
            final com.hazelcast.nio.serialization.HazelcastSerializationException planted =
                new com.hazelcast.nio.serialization.HazelcastSerializationException(
                    "java.lang.ClassNotFoundException: x " + CommandLedger.UNDER_COMMAND_IDS_NAME);
            // A key's class named "x <ours>" (a stream's class name may hold a space) fails a query naming ours whole.
            assertThat(ledger.membersLack(planted, List.of(CommandLedger.UNDER_COMMAND_IDS_NAME)))
                .as("probed: the members run it").isFalse();
            assertThat(ledger.membersProbed()).as("probed").isEqualTo(1);

            older = olderMember(cluster, port + 1, port, CommandLedger.UNDER_COMMAND_IDS_NAME);
            final HazelcastInstance seen = client;
            // A query runs on the members that own partitions: wait until the older one owns some.
            org.awaitility.Awaitility.await("the older member joined and owns partitions").atMost(30, TimeUnit.SECONDS)
                .pollInterval(java.time.Duration.ofMillis(20)).until(() -> owners(seen) == 2);
            assertThat(ledger.list(drone, null, false, 3)).as("the drone's list, read the older version's way")
                .extracting(CommandRecord::id).containsExactlyElementsOf(newestFirst);
            assertThat(fallbacks.get()).as("the fallback counted").isEqualTo(1);
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            if (older != null)
            {
                older.getClass().getMethod("shutdown").invoke(older);
            }
            current.getClass().getMethod("shutdown").invoke(current);
        }
    }

    /**
     * A member of a version without {@link CommandLedger.AmongIds} (what a drone's bound asks the members for since
     * 2026-12-07 instead of naming keys): the bound falls back to the query that version ran, for a minute at a time,
     * with a WARN; the drone comes back to its bound, nothing is counted as planted, and the members are probed once.
     */
    @Test
    void shouldKeepADroneToItsBoundWhileAMemberCannotLoadTheBoundsKeyPredicate() throws Exception
    {
        final Object member = olderMember(CommandLedger.AMONG_IDS_NAME);
        HazelcastInstance client = null;
        try
        {
            client = clientOf(member);
            final Counter unreadable = new Metrics("test").counter("odyssey_test_unreadable_total", "unreadable");
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
                .countingUnreadable(unreadable);
            ledger.warmUp(refused(ledger, 0, T0));
            final long drone = 81;
            final List<Long> issued = new ArrayList<>();
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 5; i++)
            {
                issued.add(ledger.issue(refused(ledger, drone, T0 + i)).command().id());
            }
            assertThat(ledger.map().keySet(com.hazelcast.query.Predicates.equal("droneId", drone)))
                .as("every order accepted, the drone back to its bound, the oldest gone")
                .containsExactlyInAnyOrderElementsOf(
                    issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
            assertThat(unreadable.get()).as("not counted as a planted key").isZero();
            assertThat(ledger.membersProbed()).as("the members probed once for the missing class").isEqualTo(1);
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            member.getClass().getMethod("shutdown").invoke(member);
        }
    }

    /**
     * The eviction's processor's probe: a failure naming {@link CommandLedger.RemoveIfFinal} is a member lacking it
     * only when the members fail it again over no record, which this member does (and a current one does not:
     * {@code CommandLedgerIT}).
     */
    @Test
    void shouldFindAMemberLackingTheEvictionsProcessorByProbingIt() throws Exception
    {
        final Object member = olderMember(CommandLedger.REMOVE_IF_FINAL_NAME);
        HazelcastInstance client = null;
        try
        {
            client = clientOf(member);
            final CommandLedger ledger = new CommandLedger(client, null, new CommandAuthority(new byte[32]));
            final com.hazelcast.nio.serialization.HazelcastSerializationException failure =
                new com.hazelcast.nio.serialization.HazelcastSerializationException(
                    "java.lang.ClassNotFoundException: " + CommandLedger.REMOVE_IF_FINAL_NAME);
            assertThat(ledger.membersLack(failure, List.of(CommandLedger.REMOVE_IF_FINAL_NAME)))
                .as("the member lacks RemoveIfFinal").isTrue();
            assertThat(ledger.membersLack(failure, List.of(CommandLedger.REMOVE_IF_FINAL_NAME)))
                .as("remembered").isTrue();
            assertThat(ledger.membersProbed()).as("probed once").isEqualTo(1);
        }
        finally
        {
            if (client != null)
            {
                client.shutdown();
            }
            member.getClass().getMethod("shutdown").invoke(member);
        }
    }

    private static long owners(final HazelcastInstance client)
    {
        return client.getPartitionService().getPartitions().stream().map(com.hazelcast.partition.Partition::getOwner)
            .filter(java.util.Objects::nonNull).distinct().count();
    }

    private static CommandRecord refused(final CommandLedger ledger, final long drone, final long at)
    {
        return CommandRecord.issued(ledger.newId(), drone, CommandType.GOTO,
            CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN), null, "ops", "127.0.0.1", at,
            at + 300_000_000_000L).rejectedBeforeSending(at, "fence");
    }

    /** A grid member of an older version: in a class loader of its own that cannot load {@code lacking}. */
    private static Object olderMember(final String... lacking) throws Exception
    {
        final int port = 19_701 + (int)(Math.random() * 2000);
        return olderMember("command-ledger-upgrade-it-" + UUID.randomUUID(), port, port, lacking);
    }

    /** The same, joining the member at {@code joinPort} of {@code cluster}. */
    private static Object olderMember(final String cluster, final int port, final int joinPort, final String... lacking)
        throws Exception
    {
        final ClassLoader previous = Thread.currentThread().getContextClassLoader();
        final ClassLoader older = new Without(classPath(), java.util.Set.of(lacking));
        // The member's threads take the context class loader of the thread that starts it.
        Thread.currentThread().setContextClassLoader(older);
        try
        {
            final Class<?> grid = older.loadClass(FleetGrid.class.getName());
            final Object config = grid.getMethod("memberConfig", String.class, String.class, int.class, List.class,
                int.class).invoke(null, cluster, "127.0.0.1", port, List.of("127.0.0.1:" + joinPort), 0);
            config.getClass().getMethod("setClassLoader", ClassLoader.class).invoke(config, older);
            return grid.getMethod("newMember", older.loadClass("com.hazelcast.config.Config")).invoke(null, config);
        }
        finally
        {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private static HazelcastInstance clientOf(final Object member) throws Exception
    {
        final Object members = member.getClass().getMethod("getCluster").invoke(member);
        final Object local = members.getClass().getMethod("getLocalMember").invoke(members);
        final Object address = local.getClass().getMethod("getAddress").invoke(local);
        final int memberPort = (int)address.getClass().getMethod("getPort").invoke(address);
        final Object config = member.getClass().getMethod("getConfig").invoke(member);
        final String cluster = (String)config.getClass().getMethod("getClusterName").invoke(config);
        return HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(cluster,
            List.of("127.0.0.1:" + memberPort), "upgrade-it-client"));
    }

    /** The test's class path, with a manifest-only jar (as the test runner may start the JVM with) opened up. */
    private static URL[] classPath() throws Exception
    {
        final List<URL> urls = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final File file = new File(entry);
            urls.add(file.toURI().toURL());
            if (file.isFile() && entry.endsWith(".jar"))
            {
                try (JarFile jar = new JarFile(file))
                {
                    final Manifest manifest = jar.getManifest();
                    final String more = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                    if (more != null)
                    {
                        for (final String relative : more.trim().split("\\s+"))
                        {
                            urls.add(new URL(file.toURI().toURL(), relative));
                        }
                    }
                }
            }
        }
        return urls.toArray(new URL[0]);
    }

    /** Every class of the class path in a loader of its own, except those an older member's jars lack. */
    private static final class Without extends URLClassLoader
    {
        private final java.util.Set<String> lacking;

        Without(final URL[] urls, final java.util.Set<String> lacking)
        {
            super("member-without-" + lacking.size() + "-classes", urls, ClassLoader.getPlatformClassLoader());
            this.lacking = lacking;
        }

        @Override
        protected Class<?> loadClass(final String name, final boolean resolve) throws ClassNotFoundException
        {
            if (lacking.contains(name))
            {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }
    }
}
