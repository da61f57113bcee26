// The dashboard's model of the fleet: drones merged by sequence number, plus sorting, filtering and statistics.
// Pure logic with no DOM or map dependency, so it is unit-tested on its own.

export const STATUSES = ['GROUNDED', 'TAKING_OFF', 'CRUISING', 'HOVERING', 'LANDING', 'RETURNING', 'EMERGENCY'] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_COLORS: Record<Status, string> = {
  GROUNDED: '#8a94a6',
  TAKING_OFF: '#4fc3f7',
  CRUISING: '#4ade80',
  HOVERING: '#facc15',
  LANDING: '#c084fc',
  RETURNING: '#fb923c',
  EMERGENCY: '#f43f5e',
};

/** One drone as the gateway sends it (docs/api/websocket.md), plus what the browser derives on receipt. */
export interface Drone {
  id: number;
  seq: number;
  sentAtNs: string;
  ingestNs: string;
  gridNs: string;
  gatewayNs: string;
  lat: number;
  lon: number;
  alt: number;
  hdg: number;
  spd: number;
  climb: number;
  bat: number;
  status: Status;
  flags: number;
  node: string;
  /** sentAtNs in epoch milliseconds (fractional). */
  sentAtMs: number;
  /** Date.now() when the browser received this state. */
  receivedAtMs: number;
}

export type WireDrone = Omit<Drone, 'sentAtMs' | 'receivedAtMs'>;

export function nsToMs(ns: string): number {
  // Epoch nanoseconds do not fit a double exactly; split so milliseconds keep sub-millisecond precision.
  if (ns.length <= 6) return Number(ns) / 1e6;
  return Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
}

/** Ring buffer of telemetry ages (ms) observed on receipt, for live percentiles. */
export class AgeWindow {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(capacity = 4096) {
    this.values = new Float64Array(capacity);
  }

  add(ageMs: number): void {
    this.values[this.next] = ageMs;
    this.next = (this.next + 1) % this.values.length;
    this.count = Math.min(this.count + 1, this.values.length);
  }

  percentiles(ps: number[]): number[] {
    if (this.count === 0) return ps.map(() => NaN);
    const sorted = Array.from(this.values.subarray(0, this.count)).sort((a, b) => a - b);
    return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
  }
}

export class FleetStore {
  readonly drones = new Map<number, Drone>();
  /** Incremented on every change, so views can tell cheaply whether to redraw. */
  version = 0;
  messages = 0;
  readonly ages = new AgeWindow();

  applySnapshot(list: WireDrone[], nowMs: number): void {
    this.drones.clear();
    this.ages.clear();
    for (const wire of list) this.drones.set(wire.id, derive(wire, nowMs));
    this.messages++;
    this.version++;
  }

  /** Keeps only the newest sequence per drone; a late or repeated state never replaces a newer one. */
  applyChanges(list: WireDrone[], removed: number[], nowMs: number): void {
    for (const wire of list) {
      const current = this.drones.get(wire.id);
      if (current && wire.seq <= current.seq) continue;
      const drone = derive(wire, nowMs);
      this.drones.set(wire.id, drone);
      this.ages.add(nowMs - drone.sentAtMs);
    }
    for (const id of removed) this.drones.delete(id);
    this.messages++;
    this.version++;
  }
}

function derive(wire: WireDrone, nowMs: number): Drone {
  return { ...wire, sentAtMs: nsToMs(wire.sentAtNs), receivedAtMs: nowMs };
}

export type SortKey = 'id' | 'status' | 'bat' | 'alt' | 'spd' | 'age';
export interface SortOrder {
  key: SortKey;
  descending: boolean;
}
export interface Filter {
  idText: string;
  status: Status | '';
}

export function matches(drone: Drone, filter: Filter): boolean {
  if (filter.status && drone.status !== filter.status) return false;
  const text = filter.idText.trim();
  return text === '' || String(drone.id).includes(text);
}

export function filterAndSort(drones: Iterable<Drone>, filter: Filter, order: SortOrder, nowMs: number): Drone[] {
  const rows: Drone[] = [];
  for (const drone of drones) if (matches(drone, filter)) rows.push(drone);
  const value = (d: Drone): number | string => {
    switch (order.key) {
      case 'id': return d.id;
      case 'status': return STATUSES.indexOf(d.status);
      case 'bat': return d.bat;
      case 'alt': return d.alt;
      case 'spd': return d.spd;
      case 'age': return nowMs - d.sentAtMs;
    }
  };
  const sign = order.descending ? -1 : 1;
  rows.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    return va < vb ? -sign : va > vb ? sign : a.id - b.id;
  });
  return rows;
}

export type BBox = [west: number, south: number, east: number, north: number];

/** The map's visible bounds as a subscription box, clamped to valid ranges; null when the view covers the world. */
export function toSubscriptionBox(west: number, south: number, east: number, north: number): BBox | null {
  if (east - west >= 360) return null;
  const wrap = (lon: number) => ((((lon + 180) % 360) + 360) % 360) - 180;
  const s = Math.max(-90, south);
  const n = Math.min(90, north);
  if (s >= n) return null;
  return [wrap(west), s, wrap(east), n];
}

export function bounds(drones: Iterable<Drone>): BBox | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const d of drones) {
    w = Math.min(w, d.lon); e = Math.max(e, d.lon);
    s = Math.min(s, d.lat); n = Math.max(n, d.lat);
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}
