// The live table's logic: filtering, sorting and which rows to put in the DOM. Pure, unit-tested.
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
