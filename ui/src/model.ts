// The drone as the gateway sends it (docs/api/websocket.md) and what the browser derives from it on receipt.
// Pure data and functions: no DOM, no map.

export const STATUSES = ['GROUNDED', 'TAKING_OFF', 'CRUISING', 'HOVERING', 'LANDING', 'RETURNING', 'EMERGENCY'] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_COLORS: Record<Status, string> = {
  GROUNDED: '#8b95a7',
  TAKING_OFF: '#38bdf8',
  CRUISING: '#4ade80',
  HOVERING: '#facc15',
  LANDING: '#a78bfa',
  RETURNING: '#fb923c',
  EMERGENCY: '#f43f5e',
};
/** Colour for a status this build does not know (the contract only grows). */
export const UNKNOWN_STATUS_COLOR = '#e2e8f0';

export function statusColor(status: string): string {
  return (STATUS_COLORS as Record<string, string>)[status] ?? UNKNOWN_STATUS_COLOR;
}

export const FLAGS: ReadonlyArray<readonly [bit: number, name: string]> = [
  [1, 'LOW_BATTERY'],
  [2, 'GPS_DEGRADED'],
  [4, 'GEOFENCE_BREACH'],
  [8, 'SIMULATED'],
  [16, 'MANUAL_CONTROL'],
];

export function flagNames(flags: number): string[] {
  return FLAGS.filter(([bit]) => (flags & bit) !== 0).map(([, name]) => name);
}

/** One drone object of a `snapshot` or `changes` message. */
export interface WireDrone {
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
  status: Status | string;
  flags: number;
  node: string;
}

/**
 * A drone as the dashboard shows it: the state's values, times in epoch milliseconds, and the time spent on each hop
 * (made from the fleet's columns on demand: see store.ts).
 */
export interface Drone {
  id: number;
  seq: number;
  lat: number;
  lon: number;
  alt: number;
  hdg: number;
  spd: number;
  climb: number;
  bat: number;
  status: Status | string;
  flags: number;
  node: string;
  /** The drone's send time, epoch ms (fractional). */
  sentAtMs: number;
  /** Date.now() when the dashboard decoded this state. */
  receivedAtMs: number;
  /** ms from the drone's send to the ingest node's decode, from there to the fleet map, from there to the gateway. */
  ingestMs: number;
  gridMs: number;
  gatewayMs: number;
}

/**
 * Epoch nanoseconds (a decimal string, since they do not fit a double exactly) to epoch milliseconds. Splitting the
 * string keeps sub-millisecond precision, which `Number(ns) / 1e6` loses; the two differ by well under 1 µs.
 */
export function nsToMs(ns: string | number | undefined | null): number {
  if (ns == null || ns === '') return NaN;
  if (typeof ns === 'number') return ns / 1e6;
  if (ns.length <= 6 || !/^\d+$/.test(ns)) return Number(ns) / 1e6;
  return Number(ns.slice(0, -6)) + Number(ns.slice(-6)) / 1e6;
}

/** Telemetry age as the contract defines it: now minus the drone's send time, in milliseconds. */
export function ageMs(drone: Drone, nowMs: number): number {
  return nowMs - drone.sentAtMs;
}

/** Time spent on each hop, in ms: drone → ingest → grid → gateway → browser (NaN where a stamp is missing). */
export function hops(drone: Drone): { ingest: number; grid: number; gateway: number; browser: number } {
  return {
    ingest: drone.ingestMs,
    grid: drone.gridMs,
    gateway: drone.gatewayMs,
    browser: drone.receivedAtMs - (drone.sentAtMs + drone.ingestMs + drone.gridMs + drone.gatewayMs),
  };
}
