package io.odyssey.alerts;

import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * Which slots are near which, for the separation check: cells at least one horizontal minimum wide, so any conflict is
 * within the 3 x 3 block of cells around a drone, each an intrusive doubly linked list through the slots. Nothing is
 * allocated per move: the lists live in primitive arrays indexed by slot, the heads in a primitive map.
 * <p>
 * Cells are rows of latitude, each cut into longitude cells of one width for the whole row: wide enough that the
 * minimum fits at the most poleward latitude of the row and its two neighbours. A search looks at each of the three
 * rows with that row's own width. (Taking the width from each drone's own latitude instead, as this class first did,
 * put two drones a few metres apart but in neighbouring rows into cells two or more apart wherever the longitude is
 * far from 0: at Sydney about 1.5 cells of difference, so conflicts went unreported.)
 * <p>
 * A row holds a whole number of cells around the globe, counted from -180°, so its first and last cells are
 * neighbours across the antimeridian ({@link #neighbourLon}); near a pole, where the minimum spans every longitude, a
 * row is one cell.
 */
final class SpatialHash
{
    /** The end of a cell's list. */
    static final int NONE = -1;
    private static final double METRES_PER_DEGREE_LAT = 111_320.0;
    private static final long OUTSIDE = Long.MIN_VALUE;

    private final long[] cells;
    private final int[] nextInCell;
    private final int[] prevInCell;
    private final Long2LongHashMap cellHeads = new Long2LongHashMap(NONE);
    private final double cellDegreesLat;

    SpatialHash(final int slotCount, final double cellMetres)
    {
        cells = new long[slotCount];
        nextInCell = new int[slotCount];
        prevInCell = new int[slotCount];
        Arrays.fill(cells, OUTSIDE);
        Arrays.fill(nextInCell, NONE);
        Arrays.fill(prevInCell, NONE);
        cellDegreesLat = Math.max(cellMetres, 1.0) / METRES_PER_DEGREE_LAT;
    }

    /** A new slot, in no cell yet. */
    void add(final int slot)
    {
        cells[slot] = OUTSIDE;
        nextInCell[slot] = NONE;
        prevInCell[slot] = NONE;
    }

    /** {@code slot} is now at {@code lat, lon}: into that position's cell (if it changed cells). */
    void move(final int slot, final double lat, final double lon)
    {
        final long row = cellLat(lat);
        final long cell = cellKey(row, cellLon(row, lon));
        if (cell == cells[slot])
        {
            return;
        }
        remove(slot);
        final int head = (int)cellHeads.get(cell);
        nextInCell[slot] = head;
        prevInCell[slot] = NONE;
        if (head != NONE)
        {
            prevInCell[head] = slot;
        }
        cellHeads.put(cell, slot);
        cells[slot] = cell;
    }

    /** {@code slot} out of its cell, if it is in one. */
    void remove(final int slot)
    {
        if (cells[slot] == OUTSIDE)
        {
            return;
        }
        final int prev = prevInCell[slot];
        final int next = nextInCell[slot];
        if (prev == NONE)
        {
            if (next == NONE)
            {
                cellHeads.remove(cells[slot]);
            }
            else
            {
                cellHeads.put(cells[slot], next);
            }
        }
        else
        {
            nextInCell[prev] = next;
        }
        if (next != NONE)
        {
            prevInCell[next] = prev;
        }
        prevInCell[slot] = NONE;
        nextInCell[slot] = NONE;
        cells[slot] = OUTSIDE;
    }

    long cellLat(final double lat)
    {
        return (long)Math.floor(lat / cellDegreesLat);
    }

    /** The longitude cell of {@code lon} in latitude row {@code row}: 0 to {@link #cellsInRow} - 1. */
    long cellLon(final long row, final double lon)
    {
        final long cells = cellsInRow(row);
        final long cell = (long)Math.floor((lon + 180.0) * cells / 360.0);
        return Math.floorMod(cell, cells); // +180° is -180°
    }

    /** How many distinct cells of row {@code row} the 3 x 3 search looks at: fewer than 3 only near the poles. */
    int neighboursInRow(final long row)
    {
        return (int)Math.min(3, cellsInRow(row));
    }

    /**
     * The {@code k}-th of the {@link #neighboursInRow} cells around longitude cell {@code cellLon} in row {@code row}:
     * the cell itself, then east, then west, wrapping across the antimeridian.
     */
    long neighbourLon(final long row, final long cellLon, final int k)
    {
        final long offset = k == 0 ? 0 : k == 1 ? 1 : -1;
        return Math.floorMod(cellLon + offset, cellsInRow(row));
    }

    /** The first slot in cell ({@code cellLat}, {@code cellLon}), or {@link #NONE}; the next with {@link #next}. */
    int first(final long cellLat, final long cellLon)
    {
        return (int)cellHeads.get(cellKey(cellLat, cellLon));
    }

    int next(final int slot)
    {
        return nextInCell[slot];
    }

    void clear()
    {
        cellHeads.clear();
        Arrays.fill(cells, OUTSIDE);
        Arrays.fill(nextInCell, NONE);
        Arrays.fill(prevInCell, NONE);
    }

    /**
     * How many cells row {@code row} is cut into: each at least the horizontal minimum wide at the most poleward
     * latitude of rows {@code row - 1} to {@code row + 1}, so two drones closer than the minimum, in this row or a
     * neighbour, are never more than one of this row's cells apart (rounded down to a whole number around the globe,
     * so the cells only get wider).
     */
    private long cellsInRow(final long row)
    {
        final double poleward = Math.min(90.0, Math.max(Math.abs((row - 1) * cellDegreesLat),
            Math.abs((row + 2) * cellDegreesLat)));
        final double cells = 360.0 * Math.cos(Math.toRadians(poleward)) / cellDegreesLat;
        return Math.max(1L, (long)Math.floor(cells));
    }

    private static long cellKey(final long cellLat, final long cellLon)
    {
        return (cellLat << 32) ^ (cellLon & 0xFFFF_FFFFL);
    }
}
