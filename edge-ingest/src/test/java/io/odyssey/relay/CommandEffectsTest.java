package io.odyssey.relay;

import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CommandEffectsTest
{
    private static final long T0 = 1_764_000_000_000_000_000L;
    private static final double LAT = 52.52;
    private static final double LON = 13.405;

    private static CommandRecord done(final CommandType type, final double lat, final double lon, final float alt)
    {
        final CommandRecord issued = CommandRecord.issued(
            1, 7, type, CommandParameters.NONE, null, "ops", "127.0.0.1", T0,
            T0 + 60_000_000_000L);
        final CommandRecord accepted = CommandUpdate.progress(CommandState.ACCEPTED, T0 + 10, 0f, -1, lat, lon, alt)
            .apply(CommandUpdate.sent("ingest-1", T0 + 5).apply(issued));
        return CommandUpdate.doneReported(T0 + 100, lat, lon, alt).apply(accepted);
    }

    private static DroneState state(
        final long ingestNanos, final double lat, final double lon, final float alt, final float speed, final String status)
    {
        return new DroneState(7, 1, ingestNanos - 1, ingestNanos, ingestNanos + 1, lat, lon, alt, 0f, speed, 0f, 80f,
            status, 8, "ingest-1");
    }

    @Test
    void shouldCompleteAGotoOnlyWhenTelemetryAfterTheDronesWordShowsItThere()
    {
        final CommandRecord command = done(CommandType.GOTO, LAT, LON, 60f);

        assertThat(CommandEffects.seen(command, state(T0 + 50, LAT, LON, 60f, 0f, "HOVERING")))
            .as("telemetry older than the drone's 'done'").isFalse();
        assertThat(CommandEffects.seen(command, state(T0 + 200, LAT + 0.001, LON, 60f, 0f, "HOVERING")))
            .as("110 m away").isFalse();
        assertThat(CommandEffects.seen(command, state(T0 + 200, LAT, LON, 70f, 0f, "HOVERING")))
            .as("10 m too high").isFalse();
        assertThat(CommandEffects.seen(command, state(T0 + 200, LAT + 0.00005, LON, 62f, 0f, "HOVERING")))
            .as("within 10 m and 5 m").isTrue();
    }

    @Test
    void shouldNotCompleteAnythingTheDroneHasNotReportedDone()
    {
        final CommandRecord issued = CommandRecord.issued(
            1, 7, CommandType.LAND, CommandParameters.NONE, null, "ops", "127.0.0.1",
            T0, T0 + 1);
        assertThat(CommandEffects.seen(issued, state(T0 + 200, LAT, LON, 0f, 0f, "GROUNDED"))).isFalse();
        assertThat(CommandEffects.seen(done(CommandType.LAND, Double.NaN, Double.NaN, Float.NaN), null)).isFalse();
    }

    @Test
    void shouldCompleteLandingsOnTheGroundAndReturnsOnlyAtHome()
    {
        assertThat(CommandEffects.seen(done(CommandType.LAND, Double.NaN, Double.NaN, Float.NaN),
            state(T0 + 200, LAT, LON, 3f, 0f, "LANDING"))).isFalse();
        assertThat(CommandEffects.seen(done(CommandType.STOP, Double.NaN, Double.NaN, Float.NaN),
            state(T0 + 200, LAT, LON, 0f, 0f, "GROUNDED"))).isTrue();

        final CommandRecord home = done(CommandType.RETURN_HOME, LAT, LON, Float.NaN);
        assertThat(CommandEffects.seen(home, state(T0 + 200, LAT + 0.01, LON, 0f, 0f, "GROUNDED")))
            .as("landed, but not at home").isFalse();
        assertThat(CommandEffects.seen(home, state(T0 + 200, LAT, LON, 0f, 0f, "GROUNDED"))).isTrue();
    }

    @Test
    void shouldCompleteAHoldWhenTheDroneHasStopped()
    {
        final CommandRecord hold = done(CommandType.HOLD, Double.NaN, Double.NaN, Float.NaN);
        assertThat(CommandEffects.seen(hold, state(T0 + 200, LAT, LON, 50f, 3f, "HOVERING"))).isFalse();
        assertThat(CommandEffects.seen(hold, state(T0 + 200, LAT, LON, 50f, 0.2f, "HOVERING"))).isTrue();
    }
}
