package io.odyssey.drill;

import io.odyssey.stack.LocalStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CI tier of the fault suite: every drill of {@code ./odyssey drill}, with the same pass conditions, at the small
 * scale (fewer drones, cycles and seconds), against the real stack as separate processes. The results (table and every
 * line) are in {@code system-tests/target/drills-it/results.md}.
 */
class FaultDrillsIT
{
    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void shouldKeepEveryPromiseOfTheFaultSuiteAtSmallScale() throws Exception
    {
        final Path out = LocalStack.repositoryRoot().resolve("system-tests/target/drills-it");
        final List<FaultDrills.Outcome> outcomes = FaultDrills.run(new FaultDrills.Options(Scale.SMALL, Set.of(), out),
            System.out);

        assertThat(outcomes).extracting(FaultDrills.Outcome::drill)
            .containsExactlyElementsOf(FaultDrills.all().stream().map(Drill::name).toList());
        assertThat(outcomes).allSatisfy(outcome ->
            assertThat(outcome.passed()).as("%s failed: %s (see %s)", outcome.drill(), outcome.failures(),
                out.resolve("results.md")).isTrue());
    }
}
