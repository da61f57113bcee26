package io.odyssey.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Issue 10, item 6: any positive drone id was accepted (2^63-1 breaks the WebSocket contract's id < 2^53), and 1,000
 * forged ids flooded for ten seconds stayed in the fleet, with their alerts, for good. The drill is its own forger:
 * over real Aeron UDP into ingest-1 it sends frames with ids no node may accept (0, negative, 2^53 and above), then
 * floods many distinct in-range ids at 10 Hz and falls silent. Out-of-range ids must be refused and never shown; the
 * in-range ones may fly while they talk but must leave the fleet, their alerts and the node's tables after the
 * configured silence. Every frame sent is accounted for: accepted + refused = sent, where refused is what the node
 * journaled as refused plus what it counted past the quarantine budget.
 */
final class ForgedIdsDrill implements Drill
{
    static final long FORGED_FIRST_ID = 60_001L;
    private static final List<Long> OUT_OF_RANGE = List.of(0L, -5L, 1L << 53, (1L << 53) + 1, Long.MAX_VALUE);
    private static final int OUT_OF_RANGE_FRAMES = 20;
    /** What ingest refuses the out-of-range ids for: not positive, and beyond the range (no other sender has them). */
    private static final List<RejectReason> OUT_OF_RANGE_REASONS =
        List.of(RejectReason.INVALID_DRONE_ID, RejectReason.DRONE_ID_OUT_OF_RANGE);

    public String name()
    {
        return "forged-ids";
    }

    public String summary()
    {
        return "Over real UDP into ingest-1: frames with drone ids out of range (0, negative, 2^53, 2^63-1), then " +
            "a flood of distinct in-range forged ids at 10 Hz, then silence: out-of-range ids refused, counted and " +
            "never shown; the forged drones leave the fleet, their alerts clear and the node's table empties after " +
            "the silence; sent = accepted + refused.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final int forged = context.scale().forgedIds();
        final Accounting books = Accounting.open(stack);
        long outOfRangeSent = 0;
        long forgedSent = 0;
        final long forgingEndNs;
        try (AeronTransport transport = AeronTransport.launchEmbedded(null, "drill-forger"))
        {
            final ExclusivePublication publication = transport.aeron().addExclusivePublication(
                AeronTransport.udpChannel(stack.ingestEndpoint(1)), 1001);
            final long connectedMs = Waits.until(Duration.ofSeconds(10), Duration.ofMillis(10), publication::isConnected);
            if (!report.check("the forger reached ingest-1 over UDP", connectedMs >= 0, Waits.ms(connectedMs)))
            {
                return;
            }
            final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
            final TelemetryFrameWriter unsigned = new TelemetryFrameWriter();
            // Since issue 11 a frame without its drone's key is refused at the door (UNKNOWN_KEY), so a forger
            // without keys no longer reaches the tables this drill is about. It plays the harder case: a fleet of
            // drones whose keys it holds (captured or mis-provisioned), so the capacity and expiry rules still face
            // a flood. Its keys reach the nodes by the key file's reload, as a provisioning would.
            stack.addDroneKeys(FORGED_FIRST_ID, FORGED_FIRST_ID + forged - 1);
            final long reloadedMs = Waits.until(Duration.ofSeconds(20), Duration.ofMillis(200), () ->
                stack.metric("edge-ingest-1", "odyssey_ingest_drone_keys") >= stack.drones() + forged);
            if (!report.check("ingest-1 took the forger's keys from the key file", reloadedMs >= 0, Waits.ms(reloadedMs)))
            {
                return;
            }
            final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(new io.odyssey.codecs.sign.FrameSigner(
                io.odyssey.codecs.sign.DroneKeyRing.load(io.odyssey.runtime.Setting.of("ODYSSEY_INGEST_DRONE_KEYS", "",
                    "drill"), stack.droneKeys()), new io.odyssey.runtime.RealTimeClock(), 77));
            for (final long id : OUT_OF_RANGE)
            {
                for (int seq = 1; seq <= OUT_OF_RANGE_FRAMES; seq++)
                {
                    // No key exists for these ids: sent unsigned, refused for their id before any signature check.
                    outOfRangeSent += send(publication, unsigned, buffer, id, seq) ? 1 : 0;
                }
            }
            report.say("sent " + outOfRangeSent + " frames with out-of-range ids " + OUT_OF_RANGE);
            final long periodNs = TimeUnit.MILLISECONDS.toNanos(100);
            final long rounds = context.scale().forging().toNanos() / periodNs;
            long dueNs = System.nanoTime();
            for (int round = 1; round <= rounds; round++)
            {
                for (int i = 0; i < forged; i++)
                {
                    forgedSent += send(publication, writer, buffer, FORGED_FIRST_ID + i, round) ? 1 : 0;
                }
                dueNs += periodNs;
                LockSupport.parkNanos(Math.max(0, dueNs - System.nanoTime()));
            }
            forgingEndNs = System.nanoTime();
            report.say("flooded " + forged + " forged ids (" + FORGED_FIRST_ID + "..) for " +
                context.scale().forging().toSeconds() + " s at 10 Hz: " + forgedSent + " frames sent");
        }
        report.count("sent", outOfRangeSent + forgedSent);
        final long sent = outOfRangeSent + forgedSent;

        // The books of ingest-1: every frame the forger sent was accepted or refused, none lost (the node lived). A
        // refused frame is in the quarantine journal, with its drone, or past its cause's quarantine budget only counted
        // (QuarantineSkips): the out-of-range frames, 100 in a burst of two causes the budget keeps one a second of,
        // are mostly the latter. Ingest-1 counts every sender's refusals there; in this window only the forger's frames
        // are refused (the simulator's drones hold their keys), and the out-of-range causes are the forger's alone.
        final long[] outOfRange = new long[2];
        final long[] inRange = new long[2];
        final long[] journaled = new long[1];
        final List<Map<String, Long>> pastBudget = new ArrayList<>(List.of(Map.of()));
        final long settledMs = Waits.until(Duration.ofSeconds(30), Duration.ofSeconds(1), () ->
        {
            outOfRange[0] = outOfRange[1] = inRange[0] = inRange[1] = 0;
            final Set<Long> outOfRangeIds = new HashSet<>(OUT_OF_RANGE);
            final java.util.function.Consumer<Journals.Frame> count = frame ->
            {
                final long[] bucket = outOfRangeIds.contains(frame.droneId()) ? outOfRange :
                    frame.droneId() >= FORGED_FIRST_ID && frame.droneId() < FORGED_FIRST_ID + forged ? inRange : null;
                if (bucket != null && frame.receivedAtNanos() >= books.startNanos())
                {
                    bucket[frame.accepted() ? 0 : 1]++;
                }
            };
            books.scan(1, count);
            pastBudget.set(0, books.skips().of(1));
            journaled[0] = outOfRange[0] + outOfRange[1] + inRange[0] + inRange[1];
            return journaled[0] + QuarantineSkips.total(pastBudget.get(0)) >= sent;
        });
        final Map<String, Long> skipped = pastBudget.get(0);
        final long skippedTotal = QuarantineSkips.total(skipped);
        final long skippedOutOfRange = OUT_OF_RANGE_REASONS.stream()
            .mapToLong(reason -> skipped.getOrDefault(reason.name(), 0L)).sum();
        final long accepted = outOfRange[0] + inRange[0];
        final long refused = outOfRange[1] + inRange[1] + skippedTotal;
        final String notes = books.skips().notes().isEmpty() ? "" : "; " + String.join("; ", books.skips().notes());
        report.count("accepted", accepted);
        report.count("refused", refused);
        report.count("refused past the quarantine budget", skippedTotal);
        report.check("every forged frame sent was accepted or refused by ingest-1 (sent = accepted + refused, journaled " +
            "or counted past the quarantine budget)", settledMs >= 0 && accepted + refused == sent, String.format(
                "sent %d = accepted %d + refused %d (journaled %d + past the quarantine budget %d %s; out of range: %d " +
                "accepted, %d refused and journaled, %d past the budget; in range: %d accepted, %d refused and " +
                "journaled)%s", sent, accepted, refused, outOfRange[1] + inRange[1], skippedTotal, skipped,
                outOfRange[0], outOfRange[1], skippedOutOfRange, inRange[0], inRange[1], notes));
        report.check("no frame with an out-of-range id was accepted",
            outOfRange[0] == 0 && outOfRange[1] + skippedOutOfRange == outOfRangeSent, outOfRange[0] + " accepted, " +
                outOfRange[1] + " refused and journaled + " + skippedOutOfRange + " past the quarantine budget " +
                OUT_OF_RANGE_REASONS + " of " + outOfRangeSent);
        for (final long id : OUT_OF_RANGE)
        {
            final Http.Response drone = stack.http().get(stack.gatewayUrl("/api/v1/drones/" + id),
                stack.viewerToken(), DrillContext.REQUEST_TIMEOUT);
            report.check("drone " + id + " is not in the fleet", drone.status() == 404 || drone.status() == 400,
                drone.describe());
        }

        // Silence: the forged drones must go, with their alerts, and their slots must be free again: after the expiry,
        // plus up to a quarter of it for the nodes' sweep of the fleet map, plus a minute for a loaded machine.
        final Duration expiry = context.scale().droneExpiry();
        report.say("silence; the ingest nodes forget a drone silent for " + expiry.toSeconds() + " s");
        final long goneMs = Waits.until(expiry.plus(expiry.dividedBy(4)).plusSeconds(60), Duration.ofSeconds(1), () ->
            forgedInFleet(stack, forged) == 0 && forgedAlerts(stack, forged) == 0);
        final long silentS = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - forgingEndNs);
        report.count("gone after s", goneMs < 0 ? -1 : silentS);
        report.check("the forged drones left the live fleet and their alerts cleared after their silence",
            goneMs >= 0, String.format("%d forged drones still in the fleet and %d with active alerts after %d s of silence",
                forgedInFleet(stack, forged), forgedAlerts(stack, forged), silentS));
        final double tracked = stack.metric("edge-ingest-1", "odyssey_ingest_drones");
        report.check("ingest-1's drone table holds no forged drone any more", tracked <= stack.drones(),
            (long)tracked + " drones tracked (the simulator flies " + stack.drones() + " over " + stack.ingestNodes() +
                " nodes)");
    }

    private static boolean send(final ExclusivePublication publication, final TelemetryFrameWriter writer,
        final UnsafeBuffer buffer, final long droneId, final long seq)
    {
        final int length = writer.telemetry(buffer, 0, droneId, seq, Accounting.epochNanos(Instant.now()),
            52.52 + (droneId % 100) * 1e-4, 13.405, 50f, 90f, 10f, 50f, DroneStatus.CRUISING, (byte)0, 0f);
        for (int attempt = 0; attempt < 1_000; attempt++)
        {
            if (publication.offer(buffer, 0, length) > 0)
            {
                return true;
            }
            LockSupport.parkNanos(100_000);
        }
        return false;
    }

    private static long forgedInFleet(final LocalStack stack, final int forged) throws Exception
    {
        final Http.Response fleet = stack.http().get(stack.gatewayUrl("/api/v1/drones?limit=100000"), stack.viewerToken(),
            DrillContext.REQUEST_TIMEOUT);
        if (fleet.status() != 200)
        {
            return Long.MAX_VALUE;
        }
        long count = 0;
        for (final JsonNode drone : DrillContext.JSON.readTree(fleet.body()).path("drones"))
        {
            final long id = drone.path("id").asLong();
            count += id >= FORGED_FIRST_ID && id < FORGED_FIRST_ID + forged ? 1 : 0;
        }
        return count;
    }

    private static long forgedAlerts(final LocalStack stack, final int forged) throws Exception
    {
        final Http.Response alerts = stack.http().get(stack.gatewayUrl("/api/v1/alerts"), stack.viewerToken(),
            DrillContext.REQUEST_TIMEOUT);
        if (alerts.status() != 200)
        {
            return Long.MAX_VALUE;
        }
        long count = 0;
        for (final JsonNode alert : DrillContext.JSON.readTree(alerts.body()).path("alerts"))
        {
            final long id = alert.path("droneId").asLong();
            count += id >= FORGED_FIRST_ID && id < FORGED_FIRST_ID + forged ? 1 : 0;
        }
        return count;
    }
}
