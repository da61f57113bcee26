package io.odyssey.journal;

/** What an alert is about. Ordinals are journaled: append new types at the end, never reorder. */
public enum AlertType
{
    /** Battery below the low threshold; cleared once it is back above the threshold plus the hysteresis. */
    LOW_BATTERY,
    /** No telemetry for the lost-link timeout; cleared by the next frame. */
    LOST_LINK,
    /** Outside every keep-in polygon, or inside a keep-out polygon; cleared by the first frame back in bounds. */
    GEOFENCE_BREACH,
    /** Two airborne drones closer than both the horizontal and the vertical minimum; cleared with 20 % margin. */
    LOSS_OF_SEPARATION,
    /** A position change faster than any drone can fly; cleared by the next plausible frame. */
    IMPLAUSIBLE_JUMP;

    private static final AlertType[] VALUES = values();

    public static AlertType get(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
