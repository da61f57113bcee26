package io.odyssey.ingest;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.GridSettings;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.runtime.Endpoints;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.Setting;

import io.odyssey.alerts.AlertRules;
import io.odyssey.alerts.Geofences;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every setting of the edge ingest process, with defaults; read from the environment, then system properties. The
 * public fields start from those values and may be set directly (tests, embedding); {@link #conclude()} validates them.
 */
public final class EdgeIngestConfig
{
    public static final Setting NODE_ID = Setting.of(
        "ODYSSEY_INGEST_NODE_ID", "ingest-1", "Name of this ingest node, recorded with every drone state it writes");
    public static final Setting ENDPOINT = Setting.of(
        "ODYSSEY_INGEST_ENDPOINT", "127.0.0.1:40123", "UDP endpoint (host:port) to receive telemetry on; 0.0.0.0:40123 in containers");
    public static final Setting STREAM_ID = Setting.of("ODYSSEY_INGEST_STREAM_ID", "1001", "Aeron stream id of telemetry");
    public static final Setting MAX_IMAGES = Setting.of("ODYSSEY_INGEST_MAX_IMAGES", "64",
        "Telemetry senders (Aeron images) this node takes at once, each up to 3 MiB of /dev/shm; further ones are " +
        "refused until one leaves (odyssey_ingest_aeron_images_refused_total{reason=\"node_limit\"})");
    public static final Setting MAX_IMAGES_PER_SOURCE = Setting.of("ODYSSEY_INGEST_MAX_IMAGES_PER_SOURCE", "16",
        "Telemetry senders (Aeron images) from one IP address this node takes at once (a simulator or MAVLink edge " +
        "opens one per ingest node, a drone behind a NAT one of its own); further ones are refused " +
        "(reason=\"source_limit\"); at most ODYSSEY_INGEST_MAX_IMAGES");
    public static final Setting IMAGE_FIRST_FRAME_S = Setting.of("ODYSSEY_INGEST_IMAGE_FIRST_FRAME_S", "5",
        "A telemetry sender (Aeron image) that has sent frames but no validly signed one within this many seconds of " +
        "connecting is refused (reason=\"no_signed_frame\"; one that has sent nothing yet keeps its place, one per address " +
        "and eight on the node, and from its first frame has at most twice this); it can connect again once Aeron drops " +
        "the refused image (about 10 s), s");
    public static final Setting AERON_DIR = Setting.of(
        "ODYSSEY_INGEST_AERON_DIR", "", "Directory of the embedded Aeron media driver (default: a private one under /dev/shm)");
    public static final Setting IDLE_STRATEGY = Setting.of(
        "ODYSSEY_INGEST_IDLE_STRATEGY", "backoff", "Idle strategy of the ingest thread: backoff, busy, yield, sleep");
    public static final Setting FRAGMENT_LIMIT = Setting.of(
        "ODYSSEY_INGEST_FRAGMENT_LIMIT", "256", "Frames read per poll of the subscription");
    public static final Setting FLUSH_INTERVAL_MS = Setting.of(
        "ODYSSEY_INGEST_FLUSH_INTERVAL_MS", "5", "How often the newest state of changed drones is written to the grid, ms");
    public static final Setting MAX_DRONES = Setting.of("ODYSSEY_INGEST_MAX_DRONES", "100000",
        "Drones this node tracks at once; frames from further drones are refused (DRONE_CAPACITY) until silent ones expire");
    public static final Setting DRONE_ID_MIN = Setting.of("ODYSSEY_INGEST_DRONE_ID_MIN", "1",
        "Lowest drone id accepted; frames from other ids are refused (DRONE_ID_OUT_OF_RANGE)");
    public static final Setting DRONE_ID_MAX = Setting.of("ODYSSEY_INGEST_DRONE_ID_MAX", "999999999",
        "Highest drone id accepted; at most 9007199254740991 (2^53 - 1, the largest id a JSON client reads exactly)");
    public static final Setting DRONE_EXPIRY_S = Setting.of("ODYSSEY_INGEST_DRONE_EXPIRY_S", "300",
        "A drone silent this long leaves the fleet map, its alerts clear and its slots are freed, s; longer than " +
        "ODYSSEY_INGEST_ALERT_LOST_LINK_S (a silent drone is reported lost first) and than twice " +
        "ODYSSEY_INGEST_SIGNATURE_WINDOW_S (its captured frames cannot be replayed once it is forgotten)");
    public static final Setting JOURNAL_DIR = Setting.of("ODYSSEY_INGEST_JOURNAL_DIR", "",
        "Root directory of this node's journals (telemetry/, quarantine/); default .odyssey/journal/<node id> under the working directory");
    public static final Setting JOURNAL_ROLL_CYCLE = Setting.of("ODYSSEY_INGEST_JOURNAL_ROLL_CYCLE", "FAST_HOURLY",
        "Chronicle Queue roll cycle of the journals, e.g. FIVE_MINUTELY, FAST_HOURLY, FAST_DAILY");
    public static final Setting JOURNAL_RETENTION_HOURS = Setting.of("ODYSSEY_INGEST_JOURNAL_RETENTION_HOURS", "72",
        "Hours a journal cycle is kept after it ends (telemetry cycles also wait for every archiver); 0 = forever");
    public static final Setting ALERT_LOW_BATTERY_PCT = Setting.of("ODYSSEY_INGEST_ALERT_LOW_BATTERY_PCT", "20",
        "Raise LOW_BATTERY below this battery %");
    public static final Setting ALERT_BATTERY_HYSTERESIS_PCT = Setting.of("ODYSSEY_INGEST_ALERT_BATTERY_HYSTERESIS_PCT", "5",
        "Clear LOW_BATTERY only at the low threshold plus this many %");
    public static final Setting ALERT_LOST_LINK_S = Setting.of("ODYSSEY_INGEST_ALERT_LOST_LINK_S", "5",
        "Raise LOST_LINK after this many seconds without telemetry");
    public static final Setting ALERT_SEPARATION_HORIZONTAL_M = Setting.of("ODYSSEY_INGEST_ALERT_SEPARATION_HORIZONTAL_M", "30",
        "Minimum horizontal distance between two airborne drones, m");
    public static final Setting ALERT_SEPARATION_VERTICAL_M = Setting.of("ODYSSEY_INGEST_ALERT_SEPARATION_VERTICAL_M", "15",
        "Minimum vertical distance between two airborne drones closer than the horizontal minimum, m");
    public static final Setting ALERT_MAX_SPEED_MPS = Setting.of("ODYSSEY_INGEST_ALERT_MAX_SPEED_MPS", "150",
        "An implied speed above this (a move over its send times, at least 1 s) is an IMPLAUSIBLE_JUMP, m/s");
    public static final Setting ALERT_GEOFENCES = Setting.of("ODYSSEY_INGEST_ALERT_GEOFENCES", "",
        "GeoJSON FeatureCollection of Polygons with properties.kind keep-in or keep-out (empty = no geofences)");
    public static final Setting COMMAND_STREAM_ID = Setting.of("ODYSSEY_INGEST_COMMAND_STREAM_ID", "1002",
        "Aeron stream id of command frames sent to drones (their command endpoint comes from their heartbeats)");
    public static final Setting COMMAND_CONTROL_ENDPOINT = Setting.of("ODYSSEY_INGEST_COMMAND_CONTROL_ENDPOINT", "",
        "UDP host:port through which drones open a command channel that reaches them behind NAT (Aeron response " +
        "channels; the drones name it as their control endpoint); empty = none, commands go only to the endpoint " +
        "a drone advertises; 0.0.0.0:port in containers");
    public static final Setting COMMAND_LINKS_MAX = Setting.of("ODYSSEY_INGEST_COMMAND_LINKS_MAX", "1024",
        "Most command publications open at once (response channels and advertised endpoints, ~200 KB of /dev/shm " +
        "each); beyond it the least recently used is closed (and opened again when needed); idle ones close after 10 min");
    public static final Setting COMMAND_RESEND_MS = Setting.of("ODYSSEY_INGEST_COMMAND_RESEND_MS", "1000",
        "A command the drone has not answered is sent again after this many ms, until it expires");
    public static final Setting COMMAND_SWEEP_MS = Setting.of("ODYSSEY_INGEST_COMMAND_SWEEP_MS", "200",
        "How often the command relay reviews the ledger (delivery, expiry, effects seen in telemetry)");
    public static final Setting GEOFENCE_ACTION = Setting.of("ODYSSEY_INGEST_GEOFENCE_ACTION", "return-to-home",
        "What the ground orders a drone found outside the keep-in or inside a keep-out geofence (the grid's, drawn through the API): return-to-home or hold");
    public static final Setting DRONE_KEYS = Setting.of("ODYSSEY_INGEST_DRONE_KEYS", ".odyssey/drone-keys",
        "Key file of the drones' link keys (owner-only; lines '<drone id> <64 hex digits>', docs/operations.md \"Drone " +
        "keys\"); every frame must be signed with its drone's key, and commands are signed with it. Required; re-read " +
        "when it changes");
    public static final Setting SIGNATURE_WINDOW_S = Setting.of("ODYSSEY_INGEST_SIGNATURE_WINDOW_S", "60",
        "How far a frame's signed timestamp may be from this node's clock, either way, s (TIMESTAMP_OUT_OF_WINDOW " +
        "beyond; bounds the replay of old captures after the node forgot a drone)");
    public static final Setting SENT_TIME_WINDOW_S = Setting.of("ODYSSEY_INGEST_SENT_TIME_WINDOW_S", "60",
        "How far a telemetry frame's send time (sentAtNanos: its time in the archive, its age on the dashboard) may be " +
        "from its signed timestamp, either way, s (SENT_TIME_OUT_OF_WINDOW beyond)");
    public static final Setting QUARANTINE_UNAUTHENTICATED_PER_S = Setting.of(
        "ODYSSEY_INGEST_QUARANTINE_UNAUTHENTICATED_PER_S", "1",
        "Refused frames per second per cause kept in the quarantine journal for causes a sender without a key can " +
        "produce (TRUNCATED, UNKNOWN_SCHEMA, UNKNOWN_TEMPLATE, UNSUPPORTED_VERSION, INVALID_DRONE_ID, " +
        "DRONE_ID_OUT_OF_RANGE, UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE, REPLAYED, TIMESTAMP_OUT_OF_WINDOW, MALFORMED), " +
        "bursts of a second's worth; the rest are counted only (0 = none kept)");
    public static final Setting QUARANTINE_PER_S = Setting.of("ODYSSEY_INGEST_QUARANTINE_PER_S", "100",
        "Refused frames per second per cause kept in the quarantine journal for the other causes (frames of drones " +
        "with a key), bursts of a second's worth; the rest are counted only (0 = none kept)");
    public static final Setting STATUS_HOST = Setting.of("ODYSSEY_INGEST_STATUS_HOST", "127.0.0.1", "Interface of /health and /metrics");
    public static final Setting STATUS_PORT = Setting.of("ODYSSEY_INGEST_STATUS_PORT", "9101", "Port of /health and /metrics (0 = any)");

    /** A week: beyond that a silent drone is not "still coming back", and slots must not stay taken for good. */
    static final double MAX_DRONE_EXPIRY_S = 7 * 86_400;

    public static final List<Setting> ALL;

    static
    {
        final List<Setting> all = new ArrayList<>(GridSettings.ALL);
        all.addAll(List.of(NODE_ID, ENDPOINT, STREAM_ID, MAX_IMAGES, MAX_IMAGES_PER_SOURCE, IMAGE_FIRST_FRAME_S, AERON_DIR, IDLE_STRATEGY, FRAGMENT_LIMIT, FLUSH_INTERVAL_MS,
            MAX_DRONES, DRONE_ID_MIN, DRONE_ID_MAX, DRONE_EXPIRY_S, JOURNAL_DIR, JOURNAL_ROLL_CYCLE, JOURNAL_RETENTION_HOURS, ALERT_LOW_BATTERY_PCT,
            ALERT_BATTERY_HYSTERESIS_PCT, ALERT_LOST_LINK_S, ALERT_SEPARATION_HORIZONTAL_M, ALERT_SEPARATION_VERTICAL_M,
            ALERT_MAX_SPEED_MPS, ALERT_GEOFENCES, COMMAND_STREAM_ID, COMMAND_CONTROL_ENDPOINT, COMMAND_LINKS_MAX, COMMAND_RESEND_MS, COMMAND_SWEEP_MS, CommandAuthority.KEY_FILE, GeofenceRecords.MAX_FENCES, GeofenceRecords.MAX_POINTS, GEOFENCE_ACTION, DRONE_KEYS, SIGNATURE_WINDOW_S, SENT_TIME_WINDOW_S,
            QUARANTINE_UNAUTHENTICATED_PER_S, QUARANTINE_PER_S, STATUS_HOST,
            STATUS_PORT, ProgressWatch.LIVENESS_TIMEOUT_S));
        ALL = List.copyOf(all);
    }

    public String clusterName = GridSettings.CLUSTER_NAME.get();
    public List<String> gridMembers = GridSettings.members(GridSettings.MEMBERS.get());
    public String nodeId = NODE_ID.get();
    public String endpoint = ENDPOINT.get();
    public int streamId = STREAM_ID.intValue();
    public String aeronDir = AERON_DIR.get();
    public int maxImages = MAX_IMAGES.intValue();
    public int maxImagesPerSource = MAX_IMAGES_PER_SOURCE.intValue();
    public double imageFirstFrameS = IMAGE_FIRST_FRAME_S.doubleValue();
    public String idleStrategy = IDLE_STRATEGY.get();
    public int fragmentLimit = FRAGMENT_LIMIT.intValue();
    public long flushIntervalMs = FLUSH_INTERVAL_MS.longValue();
    public int maxDrones = MAX_DRONES.intValue();
    public long droneIdMin = DRONE_ID_MIN.longValue();
    public long droneIdMax = DRONE_ID_MAX.longValue();
    public double droneExpiryS = DRONE_EXPIRY_S.doubleValue();
    public String journalDir = JOURNAL_DIR.get();
    public String journalRollCycle = JOURNAL_ROLL_CYCLE.get();
    public long journalRetentionHours = JOURNAL_RETENTION_HOURS.longValue();
    public double alertLowBatteryPct = ALERT_LOW_BATTERY_PCT.doubleValue();
    public double alertBatteryHysteresisPct = ALERT_BATTERY_HYSTERESIS_PCT.doubleValue();
    public double alertLostLinkS = ALERT_LOST_LINK_S.doubleValue();
    public double alertSeparationHorizontalM = ALERT_SEPARATION_HORIZONTAL_M.doubleValue();
    public double alertSeparationVerticalM = ALERT_SEPARATION_VERTICAL_M.doubleValue();
    public double alertMaxSpeedMps = ALERT_MAX_SPEED_MPS.doubleValue();
    public String alertGeofences = ALERT_GEOFENCES.get();
    public String statusHost = STATUS_HOST.get();
    public int statusPort = STATUS_PORT.intValue();
    public int commandStreamId = COMMAND_STREAM_ID.intValue();
    /** Blank: none. */
    public String commandControlEndpoint = COMMAND_CONTROL_ENDPOINT.get();
    public int commandLinksMax = COMMAND_LINKS_MAX.intValue();
    public long commandResendMs = COMMAND_RESEND_MS.longValue();
    public long commandSweepMs = COMMAND_SWEEP_MS.longValue();
    public String geofenceAction = GEOFENCE_ACTION.get();
    public String droneKeys = DRONE_KEYS.get();
    public double signatureWindowS = SIGNATURE_WINDOW_S.doubleValue();
    public double sentTimeWindowS = SENT_TIME_WINDOW_S.doubleValue();
    public double quarantineUnauthenticatedPerS = QUARANTINE_UNAUTHENTICATED_PER_S.doubleValue();
    public double quarantinePerS = QUARANTINE_PER_S.doubleValue();
    public String commandKeyFile = CommandAuthority.KEY_FILE.get();
    public int geofencesMax = GeofenceRecords.MAX_FENCES.intValue();
    public int geofenceMaxPoints = GeofenceRecords.MAX_POINTS.intValue();
    public long livenessTimeoutS = ProgressWatch.LIVENESS_TIMEOUT_S.longValue();

    /**
     * Validates every value and their combination; fails fast naming the offending setting.
     *
     * @return this, for chaining.
     * @throws io.odyssey.runtime.ConfigurationException naming the setting, the bad value and what was expected.
     */
    public EdgeIngestConfig conclude()
    {
        if (clusterName == null || clusterName.isBlank())
        {
            throw GridSettings.CLUSTER_NAME.invalid(String.valueOf(clusterName), "a non-empty cluster name");
        }
        if (gridMembers == null || gridMembers.isEmpty() || gridMembers.stream().anyMatch(String::isBlank))
        {
            throw GridSettings.MEMBERS.invalid(String.valueOf(gridMembers), "one or more member addresses");
        }
        if (nodeId == null || nodeId.isBlank())
        {
            throw NODE_ID.invalid(String.valueOf(nodeId), "a non-empty name");
        }
        if (endpoint == null || Endpoints.parse(ENDPOINT, endpoint).size() != 1)
        {
            throw ENDPOINT.invalid(String.valueOf(endpoint), "one host:port");
        }
        if (maxImages < 1 || maxImages > 100_000)
        {
            throw MAX_IMAGES.invalid(String.valueOf(maxImages), "between 1 and 100000");
        }
        if (maxImagesPerSource < 1 || maxImagesPerSource > maxImages)
        {
            throw MAX_IMAGES_PER_SOURCE.invalid(String.valueOf(maxImagesPerSource),
                "between 1 and ODYSSEY_INGEST_MAX_IMAGES (" + maxImages + ")");
        }
        if (!(imageFirstFrameS >= 0.1 && imageFirstFrameS <= 3600))
        {
            throw IMAGE_FIRST_FRAME_S.invalid(String.valueOf(imageFirstFrameS), "between 0.1 and 3600 seconds");
        }
        // Resolving the name here fails at start, not when the ingest thread is created.
        IdleStrategies.byName(IDLE_STRATEGY, idleStrategy);
        if (fragmentLimit < 1 || fragmentLimit > 65_536)
        {
            throw FRAGMENT_LIMIT.invalid(String.valueOf(fragmentLimit), "between 1 and 65536");
        }
        if (flushIntervalMs < 0 || flushIntervalMs > 10_000)
        {
            throw FLUSH_INTERVAL_MS.invalid(String.valueOf(flushIntervalMs), "between 0 and 10000");
        }
        if (maxDrones < 1 || maxDrones > 10_000_000)
        {
            throw MAX_DRONES.invalid(String.valueOf(maxDrones), "between 1 and 10000000");
        }
        if (droneIdMin < 1 || droneIdMin > TelemetryFrameReader.MAX_DRONE_ID)
        {
            throw DRONE_ID_MIN.invalid(String.valueOf(droneIdMin), "between 1 and " + TelemetryFrameReader.MAX_DRONE_ID);
        }
        if (droneIdMax < droneIdMin || droneIdMax > TelemetryFrameReader.MAX_DRONE_ID)
        {
            throw DRONE_ID_MAX.invalid(String.valueOf(droneIdMax), "between ODYSSEY_INGEST_DRONE_ID_MIN (" + droneIdMin +
                ") and " + TelemetryFrameReader.MAX_DRONE_ID);
        }
        rollCycle();
        if (journalRetentionHours < 0 || journalRetentionHours > 100_000)
        {
            throw JOURNAL_RETENTION_HOURS.invalid(String.valueOf(journalRetentionHours), "between 0 (keep forever) and 100000");
        }
        // Ranges are written negated (!(in range)) throughout: NaN compares false to everything, so a check written as
        // "x < min || x > max" let ODYSSEY_INGEST_ALERT_LOW_BATTERY_PCT=NaN through and silently disabled LOW_BATTERY.
        // A setting read from the environment is finite already (Setting#parseDouble); a field set in code is not.
        if (!(alertLowBatteryPct >= 0 && alertLowBatteryPct <= 100))
        {
            throw ALERT_LOW_BATTERY_PCT.invalid(String.valueOf(alertLowBatteryPct), "a percentage");
        }
        if (!(alertBatteryHysteresisPct >= 0 && alertLowBatteryPct + alertBatteryHysteresisPct <= 100))
        {
            throw ALERT_BATTERY_HYSTERESIS_PCT.invalid(String.valueOf(alertBatteryHysteresisPct),
                "0 or more, and at most 100 with the low threshold");
        }
        if (!(alertLostLinkS > 0 && Double.isFinite(alertLostLinkS)))
        {
            throw ALERT_LOST_LINK_S.invalid(String.valueOf(alertLostLinkS), "more than 0 seconds");
        }
        if (!(droneExpiryS > alertLostLinkS && droneExpiryS <= MAX_DRONE_EXPIRY_S))
        {
            throw DRONE_EXPIRY_S.invalid(String.valueOf(droneExpiryS), "more than ODYSSEY_INGEST_ALERT_LOST_LINK_S (" +
                alertLostLinkS + " s) and at most " + (long)MAX_DRONE_EXPIRY_S + " s");
        }
        // Infinity would put every pair of drones in loss of separation, or never call a jump one.
        if (!(alertSeparationHorizontalM > 0 && Double.isFinite(alertSeparationHorizontalM)))
        {
            throw ALERT_SEPARATION_HORIZONTAL_M.invalid(String.valueOf(alertSeparationHorizontalM), "more than 0 m, finite");
        }
        if (!(alertSeparationVerticalM > 0 && Double.isFinite(alertSeparationVerticalM)))
        {
            throw ALERT_SEPARATION_VERTICAL_M.invalid(String.valueOf(alertSeparationVerticalM), "more than 0 m, finite");
        }
        if (!(alertMaxSpeedMps > 0 && Double.isFinite(alertMaxSpeedMps)))
        {
            throw ALERT_MAX_SPEED_MPS.invalid(String.valueOf(alertMaxSpeedMps), "more than 0 m/s, finite");
        }
        alertRules();
        if (statusHost == null || statusHost.isBlank())
        {
            throw STATUS_HOST.invalid(String.valueOf(statusHost), "an interface address");
        }
        if (commandStreamId == 0 || commandStreamId == streamId)
        {
            throw COMMAND_STREAM_ID.invalid(String.valueOf(commandStreamId), "a non-zero stream id other than the telemetry one");
        }
        if (commandControlEndpoint != null && !commandControlEndpoint.isBlank())
        {
            if (Endpoints.parse(COMMAND_CONTROL_ENDPOINT, commandControlEndpoint).size() != 1)
            {
                throw COMMAND_CONTROL_ENDPOINT.invalid(commandControlEndpoint, "one host:port");
            }
            if (commandControlEndpoint.trim().equals(endpoint.trim()))
            {
                throw COMMAND_CONTROL_ENDPOINT.invalid(commandControlEndpoint,
                    "another port than the telemetry endpoint " + ENDPOINT.envName());
            }
        }
        if (geofencesMax < 1 || geofencesMax > 100_000)
        {
            throw GeofenceRecords.MAX_FENCES.invalid(String.valueOf(geofencesMax), "between 1 and 100000");
        }
        if (geofenceMaxPoints < 3 || geofenceMaxPoints > 1_000_000)
        {
            throw GeofenceRecords.MAX_POINTS.invalid(String.valueOf(geofenceMaxPoints), "between 3 and 1000000");
        }
        if (commandLinksMax < 1 || commandLinksMax > 100_000)
        {
            throw COMMAND_LINKS_MAX.invalid(String.valueOf(commandLinksMax), "between 1 and 100000");
        }
        if (commandResendMs < 50 || commandResendMs > 60_000)
        {
            throw COMMAND_RESEND_MS.invalid(String.valueOf(commandResendMs), "between 50 and 60000");
        }
        if (!"return-to-home".equals(geofenceAction) && !"hold".equals(geofenceAction))
        {
            throw GEOFENCE_ACTION.invalid(geofenceAction, "return-to-home or hold");
        }
        if (commandSweepMs < 10 || commandSweepMs > 10_000)
        {
            throw COMMAND_SWEEP_MS.invalid(String.valueOf(commandSweepMs), "between 10 and 10000");
        }
        if (droneKeys == null || droneKeys.isBlank())
        {
            throw DRONE_KEYS.invalid(String.valueOf(droneKeys), "the path of the drones' key file (`./odyssey up` " +
                "makes one; docs/operations.md, \"Drone keys\"): frames are accepted only signed with their drone's key");
        }
        if (!(signatureWindowS >= 1 && signatureWindowS <= 3600))
        {
            throw SIGNATURE_WINDOW_S.invalid(String.valueOf(signatureWindowS), "between 1 and 3600 seconds");
        }
        // An expired drone's replay windows are forgotten, so from then on only the timestamp window stops a replay of
        // its captured frames. Its last accepted frame may be signed up to one window ahead of this node's clock and is
        // then accepted for one more window: until two windows after it was heard the capture would be taken again
        // and the dead drone would reappear live. The drone must stay (and keep its replay windows) at least as long.
        if (!(droneExpiryS > 2 * signatureWindowS))
        {
            throw DRONE_EXPIRY_S.invalid(String.valueOf(droneExpiryS), "more than twice ODYSSEY_INGEST_SIGNATURE_WINDOW_S (" +
                signatureWindowS + " s): a drone forgotten sooner could have its last frames replayed and reappear live");
        }
        if (!(sentTimeWindowS >= 1 && sentTimeWindowS <= 3600))
        {
            throw SENT_TIME_WINDOW_S.invalid(String.valueOf(sentTimeWindowS), "between 1 and 3600 seconds");
        }
        if (!(quarantineUnauthenticatedPerS >= 0 && quarantineUnauthenticatedPerS <= 1_000_000))
        {
            throw QUARANTINE_UNAUTHENTICATED_PER_S.invalid(String.valueOf(quarantineUnauthenticatedPerS),
                "between 0 (keep none) and 1000000 frames per second");
        }
        if (!(quarantinePerS >= 0 && quarantinePerS <= 1_000_000))
        {
            throw QUARANTINE_PER_S.invalid(String.valueOf(quarantinePerS), "between 0 (keep none) and 1000000 frames per second");
        }
        if (statusPort < 0 || statusPort > 65_535)
        {
            throw STATUS_PORT.invalid(String.valueOf(statusPort), "a port number (0 = any free port)");
        }
        ProgressWatch.timeoutNs(livenessTimeoutS);
        return this;
    }

    /** The drones' keys, read now (a node does not start on a key file it cannot use). */
    public io.odyssey.codecs.sign.DroneKeyRing droneKeyRing()
    {
        return io.odyssey.codecs.sign.DroneKeyRing.load(DRONE_KEYS, Path.of(droneKeys));
    }

    /** The link id this node signs commands with: its own, so each node's commands keep a replay window of their own. */
    public int commandLinkId()
    {
        return Math.floorMod(nodeId.hashCode(), 256);
    }

    /** The journal root: the configured one, or {@code .odyssey/journal/<node id>} under the working directory. */
    public Path journalRoot()
    {
        return journalDir == null || journalDir.isBlank() ?
            Path.of(".odyssey", "journal", nodeId).toAbsolutePath() : Path.of(journalDir).toAbsolutePath();
    }

    /** The alert thresholds and geofences; reads the geofence file. */
    public AlertRules alertRules()
    {
        Geofences.Set fences = Geofences.Set.NONE;
        if (alertGeofences != null && !alertGeofences.isBlank())
        {
            try
            {
                fences = Geofences.read(Path.of(alertGeofences));
            }
            catch (final IllegalArgumentException ex)
            {
                throw ALERT_GEOFENCES.invalid(alertGeofences, "a readable GeoJSON file of geofences (" + ex.getMessage() + ")");
            }
        }
        return new AlertRules(alertLowBatteryPct, alertBatteryHysteresisPct, (long)(alertLostLinkS * 1e9),
            alertSeparationHorizontalM, alertSeparationVerticalM, alertMaxSpeedMps, fences.keepIn(), fences.keepOut(),
            droneExpiryNanos());
    }

    /** {@link #IMAGE_FIRST_FRAME_S} in nanoseconds. */
    public long imageFirstFrameNanos()
    {
        return (long)(imageFirstFrameS * 1e9);
    }

    /** {@link #SENT_TIME_WINDOW_S} in nanoseconds. */
    public long sentTimeWindowNanos()
    {
        return (long)(sentTimeWindowS * 1e9);
    }

    /** {@link #DRONE_EXPIRY_S} in nanoseconds. */
    public long droneExpiryNanos()
    {
        return (long)(droneExpiryS * 1e9);
    }

    /** The roll cycle named by {@link #JOURNAL_ROLL_CYCLE}. */
    public RollCycle rollCycle()
    {
        try
        {
            return RollCycles.valueOf(journalRollCycle);
        }
        catch (final RuntimeException ex)
        {
            throw JOURNAL_ROLL_CYCLE.invalid(String.valueOf(journalRollCycle),
                "a Chronicle Queue roll cycle such as FIVE_MINUTELY, FAST_HOURLY or FAST_DAILY");
        }
    }
}
