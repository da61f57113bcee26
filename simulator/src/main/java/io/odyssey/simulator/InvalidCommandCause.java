package io.odyssey.simulator;

/**
 * Why a command frame was not acted on. All but {@link #INVALID_PARAMETERS} are dropped unanswered: either the frame
 * cannot be trusted to name a drone and a command, or the drone is not one of ours. A command with out-of-range
 * parameters names both, so its drone answers it REJECTED (reason INVALID_PARAMETERS) and the ground stops resending.
 */
public enum InvalidCommandCause
{
    /** Shorter than its header, its block or its waypoint group says. */
    TRUNCATED("truncated"),
    /** Not our schema id. */
    UNKNOWN_SCHEMA("unknown_schema"),
    /** Our schema, but not a Command (template 10). */
    UNKNOWN_TEMPLATE("unknown_template"),
    /** A schema version newer than this simulator knows. */
    UNSUPPORTED_VERSION("unsupported_version"),
    /** A drone id this process does not fly. */
    UNKNOWN_DRONE("unknown_drone"),
    /** A command id that is not positive, or a command type this simulator does not know. */
    MALFORMED("malformed"),
    /** Coordinates, altitude, speed, hold or waypoint count out of range: answered REJECTED. */
    INVALID_PARAMETERS("invalid_parameters"),
    /** No signature (an older or a foreign sender): a drone obeys only commands signed with its own key. */
    UNSIGNED("unsigned"),
    /** For a drone of ours that has no key here (revoked). */
    UNKNOWN_KEY("unknown_key"),
    /** The signature does not verify under the drone's key: forged or altered. */
    BAD_SIGNATURE("bad_signature"),
    /** A captured command sent again: its timestamp is not later than the last one from its sender's link. */
    REPLAYED("replayed"),
    /** Signed too far from the drone's clock (an old capture replayed after a restart, or a wrong clock). */
    TIMESTAMP_OUT_OF_WINDOW("timestamp_out_of_window");

    private final String label;

    InvalidCommandCause(final String label)
    {
        this.label = label;
    }

    /** Value of the {@code cause} label of {@code odyssey_sim_command_frames_invalid_total}. */
    public String label()
    {
        return label;
    }
}
