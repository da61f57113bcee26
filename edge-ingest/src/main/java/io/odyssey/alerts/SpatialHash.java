package io.odyssey.alerts;

import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * Which slots are near which, for the separation check: cells about one horizontal minimum wide (so any conflict is
 * within the 3 x 3 block of cells around a drone), each an intrusive doubly linked list through the slots. Nothing is
 * allocated per move: the lists live in primitive arrays indexed by slot, the heads in a primitive map.
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
        final long cell = cellKey(cellLat(lat), cellLon(lat, lon));
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

    long cellLon(final double lat, final double lon)
    {
        return (long)Math.floor(lon / cellDegreesLon(lat));
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

    /** Cells are as wide as the horizontal minimum in metres, so any conflict is within the 3 x 3 block. */
    private double cellDegreesLon(final double lat)
    {
        return cellDegreesLat / Math.max(Math.cos(Math.toRadians(lat)), 0.01);
    }

    private static long cellKey(final long cellLat, final long cellLon)
    {
        return (cellLat << 32) ^ (cellLon & 0xFFFF_FFFFL);
    }
}
