package io.odyssey.mavlink.edge;

/** Why the edge did not take a MAVLink frame; each is counted in {@code odyssey_mavlink_frames_refused_total}. */
enum Refusal
{
    /** Bytes that are no frame start (the rest of the datagram is searched for one). */
    NOT_A_FRAME,
    /** MAVLink 1: cannot be signed, Odyssey takes MAVLink 2 only. */
    MAVLINK1,
    TRUNCATED,
    UNSUPPORTED_FLAGS,
    /** A message Odyssey has no definition for: its checksum cannot be checked. */
    UNKNOWN_MESSAGE,
    BAD_CHECKSUM,
    /** A system id the vehicle registry does not name. */
    UNKNOWN_VEHICLE,
    /** Unsigned, from a vehicle not allowed to send unsigned frames. */
    UNSIGNED,
    /** Signed, but the vehicle's drone has no key. */
    NO_KEY,
    BAD_SIGNATURE,
    /** A signed timestamp not later than the last one of its stream (system, component, link). */
    REPLAYED,
    /** A signed timestamp too far from the edge's clock (a new stream's in the past, any in the future). */
    TIMESTAMP_OUT_OF_WINDOW,
    /** More live signing streams from one vehicle than the edge keeps windows for. */
    TOO_MANY_STREAMS,
    /**
     * A verified GLOBAL_POSITION_INT whose latitude, longitude or relative altitude ingest refuses: dropped here with
     * its reason rather than sent to be refused there.
     */
    POSITION_OUT_OF_RANGE,
    /**
     * A verified GLOBAL_POSITION_INT from a vehicle sending faster than one a millisecond for more than a burst: its
     * sequence would run further ahead of the signing clock than ingest takes.
     */
    TOO_FREQUENT,
    /** A verified GLOBAL_POSITION_INT whose ground speed is above what ingest takes. */
    SPEED_OUT_OF_RANGE,
    /**
     * The rest of a datagram after a frame whose signature does not verify or that is replayed, counted once per
     * datagram: a datagram comes from one sender, and one that forges or replays pays for one signature check, not one
     * per frame it packs.
     */
    AFTER_FORGERY;

    String label()
    {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
