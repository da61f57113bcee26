// The live table's logic: filtering, sorting and which rows to put in the DOM. Pure, unit-tested.
import type { FleetColumns, Names } from './fleet/columns';
import { STATUSES, type Drone, type Status } from './model';

export type SortKey = 'id' | 'status' | 'bat' | 'alt' | 'spd' | 'age' | 'seq';

export const COLUMNS: ReadonlyArray<{ key: SortKey; label: string; numeric: boolean; title?: string }> = [
  { key: 'id', label: 'id', numeric: true },
  { key: 'status', label: 'status', numeric: false },
  { key: 'bat', label: 'bat', numeric: true, title: 'Battery, %' },
  { key: 'alt', label: 'alt', numeric: true, title: 'Altitude above home, metres' },
  { key: 'spd', label: 'speed', numeric: true, title: 'Ground speed, m/s' },
  { key: 'age', label: 'age', numeric: true, title: 'Telemetry age: now minus the drone’s send time' },
  { key: 'seq', label: 'seq', numeric: true, title: 'Telemetry sequence number' },
];

export interface SortOrder {
  key: SortKey;
  descending: boolean;
}

export interface Filter {
  /** Matches ids containing this text; several terms separated by spaces or commas match any of them. */
  idText: string;
  status: Status | '';
}

export const NO_FILTER: Filter = { idText: '', status: '' };

/** The order a click on a column header gives: the same column flips direction, a new one starts ascending. */
export function nextOrder(current: SortOrder, key: SortKey): SortOrder {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: false };
}

function idTerms(idText: string): string[] {
  return idText.split(/[\s,]+/).filter((t) => t.length > 0);
}

export function matches(drone: Drone, filter: Filter, terms = idTerms(filter.idText)): boolean {
  if (filter.status && drone.status !== filter.status) return false;
  if (terms.length === 0) return true;
  const id = String(drone.id);
  return terms.some((term) => id.includes(term));
}

const statusRank = (status: string): number => {
  const i = (STATUSES as readonly string[]).indexOf(status);
  return i < 0 ? STATUSES.length : i;
};

/** The rows to show: drones matching the filter, sorted by the order's column, ties broken by id. */
export function filterAndSort(drones: Iterable<Drone>, filter: Filter, order: SortOrder): Drone[] {
  const terms = idTerms(filter.idText);
  const rows: Drone[] = [];
  for (const drone of drones) if (matches(drone, filter, terms)) rows.push(drone);
  // Age is now minus sentAtMs for every row alike, so it sorts as the reverse of the send time.
  const value: (d: Drone) => number =
    order.key === 'id' ? (d) => d.id
      : order.key === 'status' ? (d) => statusRank(d.status)
      : order.key === 'bat' ? (d) => d.bat
      : order.key === 'alt' ? (d) => d.alt
      : order.key === 'spd' ? (d) => d.spd
      : order.key === 'seq' ? (d) => d.seq
      : (d) => -d.sentAtMs;
  const sign = order.descending ? -1 : 1;
  rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) return (va < vb ? -1 : 1) * sign;
    return a.id - b.id;
  });
  return rows;
}

/**
 * The table's rows at one refresh: the ids of the drones matching the filter, in order, sorted straight from the
 * fleet's columns. A drone object is made only for a row the table puts in the DOM (`drone(i)`), so a refresh costs a
 * sort of numbers, not an object per drone.
 */
export class TableRows {
  constructor(readonly ids: Float64Array, private readonly droneOf: (id: number) => Drone | undefined) {}

  get length(): number {
    return this.ids.length;
  }

  /** The drone of row i as it is now (undefined when it left since the refresh). */
  drone(i: number): Drone | undefined {
    return this.droneOf(this.ids[i]);
  }

  indexOf(id: number): number {
    return this.ids.indexOf(id);
  }
}

/** The same rows as filterAndSort, from the columns: slots matching the filter, sorted by the order's column, ties by id. */
export function sortedIds(c: FleetColumns, statuses: Names, filter: Filter, order: SortOrder): Float64Array {
  const terms = idTerms(filter.idText);
  // Per status code: its name's rank and whether it passes the status filter.
  const rank = new Float64Array(256);
  const passes = new Uint8Array(256);
  for (let code = 0; code < 256; code++) {
    const name = statuses.name(code) ?? 'UNKNOWN';
    rank[code] = statusRank(name);
    passes[code] = !filter.status || name === filter.status ? 1 : 0;
  }
  const slots = new Int32Array(c.size);
  let n = 0;
  for (let s = 0; s < c.end; s++) {
    if (!c.used[s] || !passes[c.status[s]]) continue;
    if (terms.length > 0) {
      const id = String(c.id[s]);
      if (!terms.some((term) => id.includes(term))) continue;
    }
    slots[n++] = s;
  }
  const key: ArrayLike<number> =
    order.key === 'id' ? c.id
      : order.key === 'bat' ? c.bat
      : order.key === 'alt' ? c.alt
      : order.key === 'spd' ? c.spd
      : order.key === 'seq' ? c.seq
      : order.key === 'age' ? c.sentAtMs
      : c.status;
  // Age is now minus sentAtMs for every row alike, so it sorts as the reverse of the send time.
  const sign = (order.descending ? -1 : 1) * (order.key === 'age' ? -1 : 1);
  const value = order.key === 'status' ? (s: number) => rank[c.status[s]] : (s: number) => key[s];
  const sorted = slots.subarray(0, n).sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) return (va < vb ? -1 : 1) * sign;
    return c.id[a] - c.id[b];
  });
  const ids = new Float64Array(n);
  for (let i = 0; i < n; i++) ids[i] = c.id[sorted[i]];
  return ids;
}

export interface RowWindow {
  /** Index of the first row rendered. */
  start: number;
  /** Index one past the last row rendered. */
  end: number;
  /** Heights of the spacers above and below the rendered rows, in px. */
  padTop: number;
  padBottom: number;
}

/** Virtualisation: only the rows in (and just around) the scrolled viewport go into the DOM. */
export function rowWindow(scrollTop: number, viewportHeight: number, rowHeight: number, total: number, overscan = 10): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total - 1, first - overscan));
  const end = Math.min(total, first + visible + overscan);
  return { start, end, padTop: start * rowHeight, padBottom: (total - end) * rowHeight };
}
