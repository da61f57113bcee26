package io.odyssey.drill;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultDrillsTest
{
    @Test
    void shouldPlayTheFullScaleByDefault()
    {
        final FaultDrills.Options options = FaultDrills.parse(new String[0]);

        assertThat(options.scale()).isEqualTo(Scale.FULL);
        assertThat(options.only()).isEmpty();
        assertThat(options.out().getFileName().toString()).startsWith("drills-");
        assertThat(options.out().getParent().getFileName()).hasToString("bench-results");
    }

    @Test
    void shouldSelectDrillsByName()
    {
        final FaultDrills.Options options = FaultDrills.parse(
            new String[] {"--only", "ws-churn,kill-ingest", "--scale", "small", "--out", "/tmp/x"});

        assertThat(options.only()).containsExactly("ws-churn", "kill-ingest");
        assertThat(options.scale()).isEqualTo(Scale.SMALL);
        assertThat(options.out()).isEqualTo(Path.of("/tmp/x"));
    }

    @Test
    void shouldRefuseAnUnknownDrillOrScale()
    {
        assertThatThrownBy(() -> FaultDrills.parse(new String[] {"--only", "kill-everything"}))
            .hasMessageContaining("no drill named 'kill-everything'");
        assertThatThrownBy(() -> FaultDrills.parse(new String[] {"--scale", "huge"}))
            .hasMessageContaining("small or full");
        assertThatThrownBy(() -> FaultDrills.parse(new String[] {"--only"})).hasMessageContaining("needs a value");
    }

    @Test
    void shouldHaveEveryFaultOfTheIssueAsADrillWithAUniqueName()
    {
        final List<String> names = FaultDrills.all().stream().map(Drill::name).toList();

        assertThat(Set.copyOf(names)).hasSameSizeAs(names);
        assertThat(names).contains("ws-churn", "slow-clients", "poison-entry", "hostile-ws", "history-load",
            "command-flood", "forged-ids", "kill-grid-member", "kill-ingest", "kill-gateway", "kill-archiver",
            "kill-simulator", "db-outage", "grid-rolling-restart");
    }

    @Test
    void shouldTabulateEachDrillsResultCountsAndTime()
    {
        final String table = FaultDrills.table(List.of(
            new FaultDrills.Outcome("ws-churn", "", true, Map.of("cycles", "300"), 41_400, List.of(), List.of()),
            new FaultDrills.Outcome("kill-ingest", "", false, Map.of(), 2_000, List.of("x"), List.of())));

        assertThat(table).contains("| ws-churn | pass | cycles 300 | 41 s |")
            .contains("| kill-ingest | **FAIL** |  | 2 s |");
    }
}
