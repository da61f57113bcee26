package io.odyssey.codecs;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bounds of an order, at their edges: what a drone takes, and the first value past each bound it refuses. */
class CommandLimitsTest
{
    @Test
    void shouldTakeAltitudesFrom1To500MetresAndNothingElse()
    {
        assertThat(CommandLimits.isAltitude(1.0)).isTrue();
        assertThat(CommandLimits.isAltitude(500.0)).isTrue();
        assertThat(CommandLimits.isAltitude(0.999)).isFalse();
        assertThat(CommandLimits.isAltitude(500.001)).isFalse();
        assertThat(CommandLimits.isAltitude(1000.0)).as("what the dashboard once allowed").isFalse();
        assertThat(CommandLimits.isAltitude(Double.NaN)).isFalse();
        assertThat(CommandLimits.isAltitude(CommandLimits.DEFAULT_TAKEOFF_ALTITUDE_M)).isTrue();
    }

    @Test
    void shouldTakeSpeedsFrom1To60AndHoldsUpToAnHour()
    {
        assertThat(CommandLimits.isSpeed(1.0)).isTrue();
        assertThat(CommandLimits.isSpeed(60.0)).isTrue();
        assertThat(CommandLimits.isSpeed(0.5)).isFalse();
        assertThat(CommandLimits.isSpeed(60.5)).isFalse();
        assertThat(CommandLimits.isSpeed(Double.POSITIVE_INFINITY)).isFalse();
        assertThat(CommandLimits.isHold(0.0)).isTrue();
        assertThat(CommandLimits.isHold(3600.0)).isTrue();
        assertThat(CommandLimits.isHold(-1.0)).isFalse();
        assertThat(CommandLimits.isHold(3600.5)).isFalse();
    }

    @Test
    void shouldTakeOnlyCoordinatesOnTheGlobe()
    {
        assertThat(CommandLimits.isLatitude(-90.0) && CommandLimits.isLatitude(90.0)).isTrue();
        assertThat(CommandLimits.isLatitude(90.1) || CommandLimits.isLatitude(Double.NaN)).isFalse();
        assertThat(CommandLimits.isLongitude(-180.0) && CommandLimits.isLongitude(180.0)).isTrue();
        assertThat(CommandLimits.isLongitude(-180.1) || CommandLimits.isLongitude(Double.NaN)).isFalse();
    }
}
