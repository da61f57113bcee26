// What the table, legend and header show of the fleet, recomputed at the UI's refresh tick rather than per message:
// the filtered and sorted rows, drone counts by status, telemetry age percentiles, and (on demand) the age of what
// the map draws.
import { useEffect, useMemo, useState, type RefObject } from 'react';
import type { FleetMap } from '../fleetMap';
import type { FleetStore } from '../store';
import { NO_FILTER, sortedIds, TableRows, type Filter, type SortOrder } from '../table';

/** Telemetry age percentiles cover the samples of this last window. */
const AGE_WINDOW_MS = 5000;

export interface FleetViewHook {
  now: number;
  filter: Filter;
  setFilter: (next: Filter | ((f: Filter) => Filter)) => void;
  order: SortOrder;
  setOrder: (next: SortOrder | ((o: SortOrder) => SortOrder)) => void;
  rows: TableRows;
  counts: Map<string, number>;
  ageP50: number;
  ageP99: number;
  drawnAgeOn: boolean;
  toggleDrawnAge: () => void;
  drawnP50: number;
  drawnP99: number;
}

export function useFleetView(store: FleetStore, tick: number, fleetMapRef: RefObject<FleetMap | null>): FleetViewHook {
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const [order, setOrder] = useState<SortOrder>({ key: 'id', descending: false });
  const [drawnAgeOn, setDrawnAgeOn] = useState(false);

  useEffect(() => {
    const fleetMap = fleetMapRef.current;
    if (!fleetMap) return;
    fleetMap.measureDrawnAge = drawnAgeOn;
    fleetMap.drawnAges.clear();
    fleetMap.drawnStaleness.clear();
  }, [fleetMapRef, drawnAgeOn]);

  const now = Date.now();
  // The store is mutable: `tick` says when to look at it again.
  const rows = useMemo(() => new TableRows(sortedIds(store.columns, store.statuses, filter, order), (id) => store.drones.get(id)),
    [store, tick, filter, order]);
  const [ageP50, ageP99] = useMemo(() => store.ages.percentiles([50, 99], now - AGE_WINDOW_MS), [store, tick]);
  const [drawnP50, drawnP99] = useMemo(
    () => (drawnAgeOn && fleetMapRef.current ? fleetMapRef.current.drawnAges.percentiles([50, 99], -Infinity) : [NaN, NaN]),
    [fleetMapRef, tick, drawnAgeOn]);
  const counts = useMemo(() => {
    // Straight from the columns: no drone objects for a count.
    const c = store.columns;
    const perCode = new Map<number, number>();
    for (let s = 0; s < c.end; s++) if (c.used[s]) perCode.set(c.status[s], (perCode.get(c.status[s]) ?? 0) + 1);
    const byStatus = new Map<string, number>();
    for (const [code, n] of perCode) {
      const name = store.statuses.name(code) ?? 'UNKNOWN';
      byStatus.set(name, (byStatus.get(name) ?? 0) + n);
    }
    return byStatus;
  }, [store, tick]);

  return {
    now, filter, setFilter, order, setOrder, rows, counts, ageP50, ageP99,
    drawnAgeOn, toggleDrawnAge: () => setDrawnAgeOn((on) => !on), drawnP50, drawnP99,
  };
}
