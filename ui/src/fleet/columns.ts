// The fleet as columns: one typed array per field, a drone per slot, and a map from drone id to slot. Nothing is
// allocated per update: a drone's new state overwrites its slot, a removed drone's slot goes on a free list. Used on
// both sides of the worker: the worker merges frames into one, the page keeps a copy for the map and the table.
import type { Drone } from '../model';

/** Status names by code: the SBE DroneStatus values first; codes above are statuses learned at run time. */
export class Names {
  private readonly byCode: string[];
  private readonly codes = new Map<string, number>();

  constructor(initial: readonly string[] = [], private readonly limit = 0xfffe) {
    this.byCode = [...initial];
    initial.forEach((name, i) => this.codes.set(name, i));
  }

  /** The code for a name, adding it when new; `none` when the table is full. */
  code(name: string, none: number): number {
    const known = this.codes.get(name);
    if (known !== undefined) return known;
    if (this.byCode.length >= this.limit) return none;
    this.codes.set(name, this.byCode.length);
    this.byCode.push(name);
    return this.byCode.length - 1;
  }

  name(code: number): string | undefined {
    return this.byCode[code];
  }

  get size(): number {
    return this.byCode.length;
  }

  /** Names from `from` on (what a copy of this table has not seen yet). */
  since(from: number): string[] {
    return this.byCode.slice(from);
  }

  /** Replaces the table (a `nodes` message is the whole table). */
  replace(names: readonly string[]): void {
    this.byCode.length = 0;
    this.codes.clear();
    names.forEach((name, i) => {
      this.byCode.push(name);
      this.codes.set(name, i);
    });
  }
}

export const STATUS_NAMES = ['GROUNDED', 'TAKING_OFF', 'CRUISING', 'HOVERING', 'LANDING', 'RETURNING', 'EMERGENCY'] as const;
/** Status code of a drone whose status is unknown (and of one whose name did not fit the table). */
export const UNKNOWN_STATUS = 0xff;
export const NO_NODE = 0xffff;

/** At most this many drones are held; a drone beyond is dropped and counted (a bound on memory, ~100 B each). */
export const MAX_DRONES = 200_000;

/** The values of one drone state, as a writer hands them in (one reused object, no allocation per update). */
export interface DroneValues {
  id: number;
  seq: number;
  sentAtMs: number;
  receivedAtMs: number;
  lat: number;
  lon: number;
  alt: number;
  hdg: number;
  spd: number;
  climb: number;
  bat: number;
  status: number;
  flags: number;
  node: number;
  ingestMs: number;
  gridMs: number;
  gatewayMs: number;
}

export function emptyValues(): DroneValues {
  return {
    id: 0, seq: 0, sentAtMs: NaN, receivedAtMs: NaN, lat: NaN, lon: NaN, alt: NaN, hdg: NaN, spd: NaN, climb: NaN, bat: NaN,
    status: UNKNOWN_STATUS, flags: 0, node: NO_NODE, ingestMs: NaN, gridMs: NaN, gatewayMs: NaN,
  };
}

export class FleetColumns {
  capacity: number;
  /** Slots in use or freed (the high-water mark): iterate 0..end and skip free slots (`used[s] === 0`). */
  end = 0;
  id!: Float64Array;
  seq!: Float64Array;
  sentAtMs!: Float64Array;
  receivedAtMs!: Float64Array;
  lat!: Float64Array;
  lon!: Float64Array;
  alt!: Float32Array;
  hdg!: Float32Array;
  spd!: Float32Array;
  climb!: Float32Array;
  bat!: Float32Array;
  ingestMs!: Float32Array;
  gridMs!: Float32Array;
  gatewayMs!: Float32Array;
  status!: Uint8Array;
  flags!: Uint8Array;
  node!: Uint16Array;
  used!: Uint8Array;
  readonly slots = new Map<number, number>();
  private free: number[] = [];
  /** Drones refused because MAX_DRONES were held. */
  dropped = 0;

  constructor(initialCapacity = 1024, private readonly maxDrones = MAX_DRONES) {
    this.capacity = Math.max(16, Math.min(initialCapacity, maxDrones));
    this.allocate(this.capacity);
  }

  get size(): number {
    return this.slots.size;
  }

  slotOf(id: number): number {
    return this.slots.get(id) ?? -1;
  }

  /**
   * Writes a state into the drone's slot unless the slot holds a newer or equal sequence (a late or repeated state never
   * replaces a newer one). Returns the slot, or -1 when nothing was written.
   */
  upsert(v: DroneValues): number {
    let slot = this.slots.get(v.id);
    if (slot === undefined) {
      slot = this.newSlot();
      if (slot < 0) {
        this.dropped++;
        return -1;
      }
      this.slots.set(v.id, slot);
    } else if (v.seq <= this.seq[slot]) {
      return -1;
    }
    this.id[slot] = v.id;
    this.seq[slot] = v.seq;
    this.sentAtMs[slot] = v.sentAtMs;
    this.receivedAtMs[slot] = v.receivedAtMs;
    this.lat[slot] = v.lat;
    this.lon[slot] = v.lon;
    this.alt[slot] = v.alt;
    this.hdg[slot] = v.hdg;
    this.spd[slot] = v.spd;
    this.climb[slot] = v.climb;
    this.bat[slot] = v.bat;
    this.ingestMs[slot] = v.ingestMs;
    this.gridMs[slot] = v.gridMs;
    this.gatewayMs[slot] = v.gatewayMs;
    this.status[slot] = v.status;
    this.flags[slot] = v.flags;
    this.node[slot] = v.node;
    this.used[slot] = 1;
    return slot;
  }

  /** Returns the freed slot, or -1 when the drone was not held. */
  remove(id: number): number {
    const slot = this.slots.get(id);
    if (slot === undefined) return -1;
    this.slots.delete(id);
    this.used[slot] = 0;
    this.seq[slot] = -1;
    this.free.push(slot);
    return slot;
  }

  clear(): void {
    this.slots.clear();
    this.used.fill(0, 0, this.end);
    this.free = [];
    this.end = 0;
  }

  /** Reads a slot's values into `out`. */
  read(slot: number, out: DroneValues): DroneValues {
    out.id = this.id[slot];
    out.seq = this.seq[slot];
    out.sentAtMs = this.sentAtMs[slot];
    out.receivedAtMs = this.receivedAtMs[slot];
    out.lat = this.lat[slot];
    out.lon = this.lon[slot];
    out.alt = this.alt[slot];
    out.hdg = this.hdg[slot];
    out.spd = this.spd[slot];
    out.climb = this.climb[slot];
    out.bat = this.bat[slot];
    out.ingestMs = this.ingestMs[slot];
    out.gridMs = this.gridMs[slot];
    out.gatewayMs = this.gatewayMs[slot];
    out.status = this.status[slot];
    out.flags = this.flags[slot];
    out.node = this.node[slot];
    return out;
  }

  /** A drone object for one slot: for the panels, the debug handle and tests, never per update. */
  drone(slot: number, statuses: Names, nodes: Names): Drone {
    return {
      id: this.id[slot], seq: this.seq[slot], sentAtMs: this.sentAtMs[slot], receivedAtMs: this.receivedAtMs[slot],
      lat: this.lat[slot], lon: this.lon[slot], alt: this.alt[slot], hdg: this.hdg[slot], spd: this.spd[slot],
      climb: this.climb[slot], bat: this.bat[slot], status: statuses.name(this.status[slot]) ?? 'UNKNOWN',
      flags: this.flags[slot], node: nodes.name(this.node[slot]) ?? '',
      ingestMs: this.ingestMs[slot], gridMs: this.gridMs[slot], gatewayMs: this.gatewayMs[slot],
    };
  }

  private newSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.end === this.capacity) {
      if (this.capacity >= this.maxDrones) return -1;
      this.grow(Math.min(this.maxDrones, this.capacity * 2));
    }
    return this.end++;
  }

  private allocate(capacity: number): void {
    this.id = new Float64Array(capacity);
    this.seq = new Float64Array(capacity);
    this.sentAtMs = new Float64Array(capacity);
    this.receivedAtMs = new Float64Array(capacity);
    this.lat = new Float64Array(capacity);
    this.lon = new Float64Array(capacity);
    this.alt = new Float32Array(capacity);
    this.hdg = new Float32Array(capacity);
    this.spd = new Float32Array(capacity);
    this.climb = new Float32Array(capacity);
    this.bat = new Float32Array(capacity);
    this.ingestMs = new Float32Array(capacity);
    this.gridMs = new Float32Array(capacity);
    this.gatewayMs = new Float32Array(capacity);
    this.status = new Uint8Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.node = new Uint16Array(capacity);
    this.used = new Uint8Array(capacity);
  }

  private grow(capacity: number): void {
    const old = { ...this };
    this.allocate(capacity);
    for (const key of ['id', 'seq', 'sentAtMs', 'receivedAtMs', 'lat', 'lon', 'alt', 'hdg', 'spd', 'climb', 'bat', 'ingestMs',
      'gridMs', 'gatewayMs', 'status', 'flags', 'node', 'used'] as const) {
      (this[key] as Float64Array).set(old[key] as Float64Array);
    }
    this.capacity = capacity;
  }
}
