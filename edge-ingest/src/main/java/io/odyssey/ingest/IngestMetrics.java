package io.odyssey.ingest;

import io.odyssey.codecs.RejectReason;
import io.odyssey.runtime.AeronDriverErrors;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.LatencyHop;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.ProcessCpu;

/**
 * The ingest node's counters and latency hops, registered once with stable names. Every reject reason is registered
 * up front, so a reason that never happened shows as 0 instead of being absent from {@code /metrics}.
 */
final class IngestMetrics
{
    final Metrics metrics = new Metrics("edge-ingest");
    final Counter framesReceived = metrics.counter("odyssey_ingest_frames_received_total", "Frames received from drones");
    final Counter framesAccepted = metrics.counter("odyssey_ingest_frames_accepted_total", "Telemetry frames accepted");
    final Counter[] framesRejected = new Counter[RejectReason.values().length];
    /** Per {@link ImageAdmission.Refusal}. */
    final Counter[] aeronImagesRefused = new Counter[ImageAdmission.Refusal.values().length];
    final AeronDriverErrors aeronDriverErrors = new AeronDriverErrors(metrics, "odyssey_ingest_aeron_driver_errors_total",
        "Errors the node's Aeron media driver raised, by kind: session_limit (a SETUP of a new telemetry sender past " +
        "ODYSSEY_INGEST_MAX_IMAGES + " + ImageAdmission.REFUSED_IMAGE_ROOM + " images, ignored), other; each kind " +
        "logged at most once a minute");
    final Counter framesMalformed = metrics.counter(
        "odyssey_ingest_frames_malformed_total", "Frames that could not be read at all (the reader threw); skipped");
    final Counter dronesExpired = metrics.counter("odyssey_ingest_drones_expired_total",
        "Drones silent for ODYSSEY_INGEST_DRONE_EXPIRY_S whose slot this node freed");
    final Counter fleetEntriesExpired = metrics.counter("odyssey_ingest_fleet_entries_expired_total",
        "Fleet map entries not written for ODYSSEY_INGEST_DRONE_EXPIRY_S that this node's sweep removed");
    final Counter orphanAlertsRemoved = metrics.counter("odyssey_ingest_orphan_alerts_removed_total",
        "Active alerts of drones gone from the fleet map that their node no longer clears (it died or forgot the drone)," +
        " removed by this node's sweep");
    final Counter fleetSweepFailures = metrics.counter("odyssey_ingest_fleet_sweep_failures_total",
        "Sweeps of the fleet map for silent drones that failed (grid away; the next one tries again)");
    final Counter dronesRestarted = metrics.counter("odyssey_ingest_drones_restarted_total",
        "Drones taken back at once after a restart: sequence counted from the start again under a later signed timestamp");
    final Counter heartbeats = metrics.counter("odyssey_ingest_heartbeats_total", "Heartbeats received");
    final Counter commandStatuses = metrics.counter(
        "odyssey_ingest_command_status_frames_total", "Command answers (CommandStatus frames) received from drones");
    final Counter gridFlushes = metrics.counter("odyssey_ingest_grid_flushes_total", "Batches written to the fleet map");
    final Counter gridEntriesWritten = metrics.counter(
        "odyssey_ingest_grid_entries_written_total", "Drone states written to the fleet map");
    final Counter gridWriteFailures = metrics.counter(
        "odyssey_ingest_grid_write_failures_total", "Batches the fleet map refused or that timed out (retried)");
    final Counter journalAppended = metrics.counter(
        "odyssey_ingest_journal_appended_total", "Accepted telemetry frames appended to the journal");
    final Counter quarantined = metrics.counter(
        "odyssey_ingest_quarantined_total", "Refused frames appended to the quarantine journal, with their cause");
    /** Per quarantine budget index ({@link QuarantineBudget}): reject reasons, then MALFORMED. */
    final Counter[] quarantineSkipped = new Counter[QuarantineBudget.CAUSES];
    final Counter journalFailures = metrics.counter(
        "odyssey_ingest_journal_failures_total", "Journal appends that failed (the frame still updated the fleet map)");
    final Counter journalCyclesDeleted = metrics.counter(
        "odyssey_ingest_journal_cycles_deleted_total", "Journal cycle files deleted by retention");
    final Counter alertsRaised = metrics.counter("odyssey_ingest_alerts_raised_total", "Alerts raised on this node's drones");
    final Counter alertsCleared = metrics.counter("odyssey_ingest_alerts_cleared_total", "Alerts cleared on this node's drones");
    final LatencyHop ingestDecoded = metrics.hop("ingest_decoded", "drone send -> ingest decoded");
    final LatencyHop gridWritten = metrics.hop("grid_written", "drone send -> fleet map write acknowledged");

    /** Senders refused for {@code refusal} so far. */
    long aeronImagesRefused(final ImageAdmission.Refusal refusal)
    {
        return aeronImagesRefused[refusal.ordinal()].get();
    }

    /** Errors of the media driver of {@code kind} so far. */
    long aeronDriverErrors(final AeronDriverErrors.Kind kind)
    {
        return aeronDriverErrors.count(kind);
    }

    IngestMetrics()
    {
        for (final RejectReason reason : RejectReason.values())
        {
            framesRejected[reason.ordinal()] = metrics.counter(
                "odyssey_ingest_frames_rejected_total", "Frames rejected, by reason", "reason=\"" + reason.name() + "\"");
        }
        for (final ImageAdmission.Refusal refusal : ImageAdmission.Refusal.values())
        {
            aeronImagesRefused[refusal.ordinal()] = metrics.counter("odyssey_ingest_aeron_images_refused_total",
                "Telemetry senders (Aeron images) refused, by reason: term_length (above ours), source_limit " +
                "(ODYSSEY_INGEST_MAX_IMAGES_PER_SOURCE), node_limit (ODYSSEY_INGEST_MAX_IMAGES), no_signed_frame " +
                "(ODYSSEY_INGEST_IMAGE_FIRST_FRAME_S)", "reason=\"" + refusal.label + "\"");
        }
        for (int cause = 0; cause < QuarantineBudget.CAUSES; cause++)
        {
            final String name = cause == QuarantineBudget.MALFORMED ? "MALFORMED" : RejectReason.get(cause).name();
            quarantineSkipped[cause] = metrics.counter("odyssey_ingest_quarantine_skipped_total",
                "Refused frames counted but not appended to the quarantine journal: their cause's budget " +
                "(ODYSSEY_INGEST_QUARANTINE_PER_S, ODYSSEY_INGEST_QUARANTINE_UNAUTHENTICATED_PER_S) was spent",
                "reason=\"" + name + "\"");
        }
        // What a drone update costs this node (decode, verify, journal, alerts, the grid client's writes, GC): issue 14
        // splits the cost of an update per process.
        ProcessCpu.register(metrics, "odyssey_ingest", "frame", "telemetry frames accepted", framesAccepted::get);
    }
}
