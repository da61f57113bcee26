package io.odyssey.alerts;

import io.odyssey.geo.Geodesy;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SpatialHashTest
{
    private static final double CELL_M = 500;

    /** Every slot in the 3 x 3 block of cells around {@code lat, lon}. */
    private static Set<Integer> near(final SpatialHash hash, final double lat, final double lon)
    {
        final Set<Integer> found = new HashSet<>();
        final long cellLat = hash.cellLat(lat);
        for (long dLat = -1; dLat <= 1; dLat++)
        {
            final long row = cellLat + dLat;
            final long cellLon = hash.cellLon(row, lon);
            for (int k = 0; k < hash.neighboursInRow(row); k++)
            {
                for (int slot = hash.first(row, hash.neighbourLon(row, cellLon, k)); slot != SpatialHash.NONE;
                    slot = hash.next(slot))
                {
                    assertThat(found.add(slot)).as("slot %d listed twice", slot).isTrue();
                }
            }
        }
        return found;
    }

    @Test
    void shouldListEveryDroneCloserThanACellWidthAmongTheNeighboursWhereverOnEarth()
    {
        final SplittableRandom random = new SplittableRandom(7);
        for (final double[] place : new double[][]{{0.0, 13.4}, {52.52, 13.4}, {-33.87, 151.2}, {37.77, -122.42}, {69.65, 18.96},
            {-16.5, 179.98}, {65.0, -179.99}, {89.97, 0.0}, {-89.99, 120.0}})
        {
            final SpatialHash hash = new SpatialHash(1_000, CELL_M);
            final double[] lats = new double[1_000];
            final double[] lons = new double[1_000];
            for (int slot = 0; slot < lats.length; slot++)
            {
                hash.add(slot);
                // Across the antimeridian and up to the poles: longitudes wrap into [-180, 180), latitudes stop at 90.
                lats[slot] = Math.max(-90.0, Math.min(90.0, place[0] + random.nextDouble(-0.05, 0.05)));
                lons[slot] = ((place[1] + random.nextDouble(-0.05, 0.05) + 540.0) % 360.0) - 180.0;
                hash.move(slot, lats[slot], lons[slot]);
            }
            for (int slot = 0; slot < lats.length; slot += 37)
            {
                final Set<Integer> neighbours = near(hash, lats[slot], lons[slot]);
                for (int other = 0; other < lats.length; other++)
                {
                    if (Geodesy.distanceM(lats[slot], lons[slot], lats[other], lons[other]) < CELL_M)
                    {
                        assertThat(neighbours).as("near %s, %s: %d near %d", place[0], place[1], other, slot).contains(other);
                    }
                }
            }
        }
    }

    @Test
    void shouldKeepTheCellListsWholeAsSlotsMoveAndLeave()
    {
        final SpatialHash hash = new SpatialHash(4, CELL_M);
        for (int slot = 0; slot < 4; slot++)
        {
            hash.add(slot);
            hash.move(slot, 52.52, 13.405);
        }
        assertThat(near(hash, 52.52, 13.405)).containsExactlyInAnyOrder(0, 1, 2, 3);

        hash.remove(1);
        hash.move(2, 52.62, 13.405); // some 11 km north
        hash.move(3, 52.52, 13.405); // the same cell: nothing changes
        assertThat(near(hash, 52.52, 13.405)).containsExactlyInAnyOrder(0, 3);
        assertThat(near(hash, 52.62, 13.405)).containsExactly(2);

        hash.remove(1); // twice: nothing happens
        hash.remove(0);
        hash.remove(3);
        assertThat(near(hash, 52.52, 13.405)).isEmpty();
        hash.clear();
        assertThat(near(hash, 52.62, 13.405)).isEmpty();
    }
}
