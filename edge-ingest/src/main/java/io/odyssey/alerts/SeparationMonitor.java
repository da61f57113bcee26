package io.odyssey.alerts;

import io.odyssey.geo.Geodesy;
import io.odyssey.journal.AlertType;

import java.util.Arrays;

/**
 * LOSS_OF_SEPARATION: pairs of airborne drones closer than both minimums, found among the 3 x 3 cells of the
 * {@link SpatialHash} around a drone as it reports, raised once per pair and cleared with a margin (or when one of the
 * two lands). A pair across two nodes is reported by the node hearing the lower id only, through
 * {@link AlertSink#raisedAcrossNodes}. The pairs in conflict are kept in a small fixed list per drone
 * ({@link AlertEngine#MAX_PARTNERS}; further ones are counted, not tracked). Works on the engine's per-slot arrays
 * (shared, never copied); nothing is allocated per frame.
 */
final class SeparationMonitor
{
    private static final double SEPARATION_CLEAR_MARGIN = 1.2;
    private static final int GROUNDED = 0;

    private final AlertRules rules;
    private final AlertSink sink;
    private final long[] ids;
    private final double[] lats;
    private final double[] lons;
    private final float[] alts;
    private final int[] statuses;
    private final boolean[] remote;
    private final long[] lastIndex;
    private final long[] lastHeardNanos;
    private final SpatialHash near;
    private final int[] partners;
    private final int[] partnerCounts;
    private long untrackedPairs;

    SeparationMonitor(
        final AlertRules rules, final AlertSink sink, final long[] ids, final double[] lats, final double[] lons,
        final float[] alts, final int[] statuses, final boolean[] remote, final long[] lastIndex,
        final long[] lastHeardNanos)
    {
        this.rules = rules;
        this.sink = sink;
        this.ids = ids;
        this.lats = lats;
        this.lons = lons;
        this.alts = alts;
        this.statuses = statuses;
        this.remote = remote;
        this.lastIndex = lastIndex;
        this.lastHeardNanos = lastHeardNanos;
        final int slotCount = ids.length;
        near = new SpatialHash(slotCount, rules.separationHorizontalM());
        partners = new int[slotCount * AlertEngine.MAX_PARTNERS];
        partnerCounts = new int[slotCount];
    }

    /** A new slot: in no conflict, in no cell yet. */
    void add(final int slot)
    {
        partnerCounts[slot] = 0;
        near.add(slot);
    }

    /** {@code slot} is now at {@code lat, lon}. */
    void move(final int slot, final double lat, final double lon)
    {
        near.move(slot, lat, lon);
    }

    /** Every conflict of {@code slot} ends (its drone is gone), at {@code at}. */
    void endConflicts(final int slot, final long at)
    {
        for (int k = partnerCounts[slot] - 1; k >= 0; k--)
        {
            endConflict(slot, partners[slot * AlertEngine.MAX_PARTNERS + k], at, lastIndex[slot], Double.NaN);
        }
    }

    /**
     * Every conflict of another node's drone ends (it left the airborne set): each at the time and entry of the drone
     * of this node it was with.
     */
    void endConflictsOfRemote(final int slot)
    {
        for (int k = partnerCounts[slot] - 1; k >= 0; k--)
        {
            final int mine = partners[slot * AlertEngine.MAX_PARTNERS + k];
            endConflict(mine, slot, lastHeardNanos[mine], lastIndex[mine], Double.NaN);
        }
    }

    /** The slot given back: out of the spatial hash (its conflicts already ended). */
    void release(final int slot)
    {
        near.remove(slot);
        partnerCounts[slot] = 0;
    }

    /** Conflicting pairs not tracked because a drone already had {@link AlertEngine#MAX_PARTNERS} conflicts. */
    long untrackedPairs()
    {
        return untrackedPairs;
    }

    void reset()
    {
        near.clear();
        Arrays.fill(partnerCounts, 0);
    }

    /** Conflicts that ended, then new ones among the drones in the 3 x 3 cells around this one. */
    void check(final int slot, final long at, final long index)
    {
        for (int k = partnerCounts[slot] - 1; k >= 0; k--)
        {
            final int other = partners[slot * AlertEngine.MAX_PARTNERS + k];
            final double horizontal = Geodesy.distanceM(lats[slot], lons[slot], lats[other], lons[other]);
            if (horizontal >= rules.separationHorizontalM() * SEPARATION_CLEAR_MARGIN ||
                Math.abs(alts[slot] - alts[other]) >= rules.separationVerticalM() * SEPARATION_CLEAR_MARGIN ||
                statuses[slot] == GROUNDED || statuses[other] == GROUNDED)
            {
                endConflict(slot, other, at, index, horizontal);
            }
        }
        if (statuses[slot] == GROUNDED)
        {
            return;
        }
        final long cellLat = near.cellLat(lats[slot]);
        for (long dLat = -1; dLat <= 1; dLat++)
        {
            // Each row's cells have that row's width: where this drone falls in it.
            final long row = cellLat + dLat;
            final long cellLon = near.cellLon(row, lons[slot]);
            for (int k = near.neighboursInRow(row) - 1; k >= 0; k--)
            {
                for (int other = near.first(row, near.neighbourLon(row, cellLon, k)); other != SpatialHash.NONE;
                    other = near.next(other))
                {
                    // A pair across nodes is the lower id's node's to report: the other node skips it.
                    if (other != slot && statuses[other] != GROUNDED && !hasPartner(slot, other) &&
                        !(remote[other] && ids[other] < ids[slot]) &&
                        Math.abs(alts[slot] - alts[other]) < rules.separationVerticalM() &&
                        Geodesy.closerThan(lats[slot], lons[slot], lats[other], lons[other],
                            rules.separationHorizontalM()))
                    {
                        if (partnerCounts[slot] == AlertEngine.MAX_PARTNERS || partnerCounts[other] == AlertEngine.MAX_PARTNERS)
                        {
                            untrackedPairs++;
                            continue;
                        }
                        // The distance itself only for a conflict raised: closerThan answered the rest without it
                        // (in a dense fleet most close pairs are untracked ones, asked about at every update).
                        final double horizontal = Geodesy.distanceM(lats[slot], lons[slot], lats[other], lons[other]);
                        partners[slot * AlertEngine.MAX_PARTNERS + partnerCounts[slot]++] = other;
                        partners[other * AlertEngine.MAX_PARTNERS + partnerCounts[other]++] = slot;
                        final int low = ids[slot] < ids[other] ? slot : other;
                        final int high = low == slot ? other : slot;
                        if (remote[other])
                        {
                            sink.raisedAcrossNodes(AlertType.LOSS_OF_SEPARATION, ids[low], ids[high], at, index,
                                horizontal);
                        }
                        else
                        {
                            sink.raised(AlertType.LOSS_OF_SEPARATION, ids[low], ids[high], at, index, horizontal);
                        }
                    }
                }
            }
        }
    }

    /** Ends the conflict between {@code slot} and {@code other}, reported as it was raised. */
    void endConflict(final int slot, final int other, final long at, final long index, final double horizontal)
    {
        final int low = ids[slot] < ids[other] ? slot : other;
        final int high = low == slot ? other : slot;
        removePartner(slot, other);
        removePartner(other, slot);
        if (remote[slot] || remote[other])
        {
            sink.clearedAcrossNodes(AlertType.LOSS_OF_SEPARATION, ids[low], ids[high], at, index, horizontal);
        }
        else
        {
            sink.cleared(AlertType.LOSS_OF_SEPARATION, ids[low], ids[high], at, index, horizontal);
        }
    }

    private boolean hasPartner(final int slot, final int other)
    {
        for (int k = 0, n = partnerCounts[slot]; k < n; k++)
        {
            if (partners[slot * AlertEngine.MAX_PARTNERS + k] == other)
            {
                return true;
            }
        }
        return false;
    }

    private void removePartner(final int slot, final int other)
    {
        final int base = slot * AlertEngine.MAX_PARTNERS;
        for (int k = 0, n = partnerCounts[slot]; k < n; k++)
        {
            if (partners[base + k] == other)
            {
                partners[base + k] = partners[base + n - 1];
                partnerCounts[slot]--;
                return;
            }
        }
    }
}
