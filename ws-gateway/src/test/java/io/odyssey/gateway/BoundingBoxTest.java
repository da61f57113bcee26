package io.odyssey.gateway;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundingBoxTest
{
    @Test
    void shouldContainPointsInsideIncludingItsEdges()
    {
        final BoundingBox box = new BoundingBox(150.0, -34.0, 152.0, -33.0);

        assertThat(box.contains(-33.5, 151.0)).isTrue();
        assertThat(box.contains(-34.0, 150.0)).isTrue();
        assertThat(box.contains(-33.0, 152.0)).isTrue();
    }

    @Test
    void shouldNotContainPointsOutside()
    {
        final BoundingBox box = new BoundingBox(150.0, -34.0, 152.0, -33.0);

        assertThat(box.contains(-32.9, 151.0)).isFalse();
        assertThat(box.contains(-34.1, 151.0)).isFalse();
        assertThat(box.contains(-33.5, 149.9)).isFalse();
        assertThat(box.contains(-33.5, 152.1)).isFalse();
        assertThat(box.contains(33.5, -151.0)).isFalse();
    }

    @Test
    void shouldCrossTheAntimeridianWhenWestIsGreaterThanEast()
    {
        final BoundingBox box = new BoundingBox(170.0, -20.0, -170.0, 20.0);

        assertThat(box.contains(0.0, 175.0)).isTrue();
        assertThat(box.contains(0.0, 180.0)).isTrue();
        assertThat(box.contains(0.0, -180.0)).isTrue();
        assertThat(box.contains(0.0, -175.0)).isTrue();
        assertThat(box.contains(0.0, 0.0)).isFalse();
        assertThat(box.contains(0.0, 169.9)).isFalse();
        assertThat(box.contains(0.0, -169.9)).isFalse();
        assertThat(box.contains(25.0, 175.0)).isFalse();
    }

    @Test
    void shouldCoverTheWholeWorld()
    {
        final BoundingBox world = new BoundingBox(-180, -90, 180, 90);

        assertThat(world.contains(90, 180)).isTrue();
        assertThat(world.contains(-90, -180)).isTrue();
        assertThat(world.contains(52.5, 13.4)).isTrue();
    }

    @Test
    void shouldNeverContainNonFinitePositions()
    {
        final BoundingBox world = new BoundingBox(-180, -90, 180, 90);
        final BoundingBox crossing = new BoundingBox(170, -90, -170, 90);

        assertThat(world.contains(Double.NaN, 0)).isFalse();
        assertThat(world.contains(0, Double.NaN)).isFalse();
        assertThat(crossing.contains(0, Double.NaN)).isFalse();
    }

    @Test
    void shouldRejectBoxesOutsideTheGlobeOrUpsideDown()
    {
        assertThatThrownBy(() -> new BoundingBox(-181, 0, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BoundingBox(0, 0, 180.5, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BoundingBox(0, -91, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BoundingBox(0, 0, 10, 91)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BoundingBox(0, 10, 10, 10))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("south < north");
        assertThatThrownBy(() -> new BoundingBox(0, 20, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BoundingBox(Double.NaN, 0, 10, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BoundingBox(0, 0, 10, Double.POSITIVE_INFINITY))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteItselfAsTheContractsArray()
    {
        assertThat(new BoundingBox(150, -34, 152, -33.5).toJson()).isEqualTo("[150.0,-34.0,152.0,-33.5]");
    }
}
