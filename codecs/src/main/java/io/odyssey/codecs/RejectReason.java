package io.odyssey.codecs;

/**
 * Why an inbound frame was refused. The order is part of the metrics contract: each reason is a labelled
 * counter {@code odyssey_ingest_frames_rejected_total{reason="..."}}; add new reasons at the end.
 */
public enum RejectReason
{
    /** Shorter than its header or than the block its header declares. */
    TRUNCATED,
    /** Header names a schema that is not Odyssey's. */
    UNKNOWN_SCHEMA,
    /** Odyssey schema, but a template this receiver does not handle. */
    UNKNOWN_TEMPLATE,
    /** Newer schema version than this receiver knows: it cannot vouch for the content. */
    UNSUPPORTED_VERSION,
    /** Drone id not positive. */
    INVALID_DRONE_ID,
    LATITUDE_OUT_OF_RANGE,
    LONGITUDE_OUT_OF_RANGE,
    ALTITUDE_OUT_OF_RANGE,
    HEADING_OUT_OF_RANGE,
    NEGATIVE_SPEED,
    BATTERY_OUT_OF_RANGE,
    UNKNOWN_STATUS,
    /** Sequence not newer than the last accepted for that drone (replayed, duplicated or reordered). */
    STALE_SEQUENCE,
    /**
     * Positive drone id outside the range the receiver accepts ({@link TelemetryFrameReader#droneIds}: at most
     * {@link TelemetryFrameReader#MAX_DRONE_ID}, narrowed by configuration).
     */
    DRONE_ID_OUT_OF_RANGE,
    /** A drone the receiver has no room for: it already tracks as many drones as it may (decided by ingest). */
    DRONE_CAPACITY,
    /** A frame without a signature: a sender older than schema version 4, or one that does not sign. */
    UNSIGNED,
    /** Signed, but there is no key for its drone here (never provisioned, or revoked). */
    UNKNOWN_KEY,
    /** The signature does not verify under the drone's key (forged, altered, or signed with another key). */
    BAD_SIGNATURE,
    /** Authentic, but its timestamp is not later than the last one accepted from its drone on its link. */
    REPLAYED,
    /** Authentic, but signed too far from this receiver's clock (a replay of an old capture, or a wrong clock). */
    TIMESTAMP_OUT_OF_WINDOW,
    /** Authentic, but its sequence leaps further ahead than the drone could have sent since its last frame. */
    SEQUENCE_JUMP,
    /**
     * Telemetry whose send time ({@code sentAtNanos}, what the archive dates it by and the dashboard ages it from) lies
     * further from its signed timestamp, or from the receiver's clock for a frame that was not verified, than the
     * receiver allows (decided by ingest).
     */
    SENT_TIME_OUT_OF_WINDOW;

    private static final RejectReason[] VALUES = values();

    public static RejectReason get(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
