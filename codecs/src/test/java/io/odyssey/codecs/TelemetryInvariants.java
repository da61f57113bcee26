package io.odyssey.codecs;

import io.odyssey.codecs.sbe.TelemetryDecoder;

import static org.assertj.core.api.Assertions.assertThat;

/** The one invariant checker applied to every decoded telemetry message in the codec tests. */
final class TelemetryInvariants
{
    private TelemetryInvariants()
    {
    }

    static void check(final TelemetryDecoder t)
    {
        assertThat(t.droneId()).as("drone id").isPositive();
        assertThat(t.sequence()).as("sequence").isPositive();
        assertThat(t.sentAtNanos()).as("sentAtNanos").isPositive();
        assertThat(t.latitude()).as("latitude").isBetween(-90.0, 90.0);
        assertThat(t.longitude()).as("longitude").isBetween(-180.0, 180.0);
        assertThat(t.heading()).as("heading").isGreaterThanOrEqualTo(0f).isLessThan(360f);
        assertThat(t.groundSpeed()).as("ground speed").isGreaterThanOrEqualTo(0f);
        assertThat(t.battery()).as("battery").isBetween(0f, 100f);
        assertThat(t.status()).as("status").isNotNull();
    }
}
