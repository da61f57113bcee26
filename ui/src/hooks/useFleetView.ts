// What the table, legend and header show of the fleet, recomputed at the UI's refresh tick rather than per message:
// the filtered and sorted rows, drone counts by status, telemetry age percentiles, and (on demand) the age of what
// the map draws.
import { useEffect, useMemo, useState, type RefObject } from 'react';
import type { FleetMap } from '../fleetMap';
import type { Drone } from '../model';
import type { FleetStore } from '../store';
import { filterAndSort, NO_FILTER, type Filter, type SortOrder } from '../table';

/** Telemetry age percentiles cover the samples of this last window. */
const AGE_WINDOW_MS = 5000;

export interface FleetViewHook {
  now: number;
  filter: Filter;
  setFilter: (next: Filter | ((f: Filter) => Filter)) => void;
  order: SortOrder;
  setOrder: (next: SortOrder | ((o: SortOrder) => SortOrder)) => void;
  rows: Drone[];
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
  }, [fleetMapRef, drawnAgeOn]);

  const now = Date.now();
  // The store is mutable: `tick` says when to look at it again.
  const rows = useMemo(() => filterAndSort(store.drones.values(), filter, order), [store, tick, filter, order]);
  const [ageP50, ageP99] = useMemo(() => store.ages.percentiles([50, 99], now - AGE_WINDOW_MS), [store, tick]);
  const [drawnP50, drawnP99] = useMemo(
    () => (drawnAgeOn && fleetMapRef.current ? fleetMapRef.current.drawnAges.percentiles([50, 99], -Infinity) : [NaN, NaN]),
    [fleetMapRef, tick, drawnAgeOn]);
  const counts = useMemo(() => {
    const byStatus = new Map<string, number>();
    for (const d of store.drones.values()) byStatus.set(d.status, (byStatus.get(d.status) ?? 0) + 1);
    return byStatus;
  }, [store, tick]);

  return {
    now, filter, setFilter, order, setOrder, rows, counts, ageP50, ageP99,
    drawnAgeOn, toggleDrawnAge: () => setDrawnAgeOn((on) => !on), drawnP50, drawnP99,
  };
}
