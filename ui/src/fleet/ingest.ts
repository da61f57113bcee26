// What the fleet worker does with each message of /ws/fleet: decodes drone frames (JSON text or odyssey.bin.v1
// binary) straight into columns, newest sequence per drone winning, and hands back everything else (hello, alerts,
// errors...) for the page. Between two syncs with the page it keeps only the newest state of each drone (a dirty set
// of slots), so a page that is busy gets the fleet as it is now, not a queue of what it missed.
import { nsToMs, type WireDrone } from '../model';
import { serverMessage, type ServerMessage } from '../protocol';
import {
  BinaryFrameError, emptyRecord, FRAME_CHANGES, FRAME_SNAPSHOT, NO_NODE as WIRE_NO_NODE, NO_STATUS as WIRE_NO_STATUS,
  readHeader, readRecord, readRemoved, STATUS_CODES,
} from '../wire/binary';
import { emptyValues, FleetColumns, Names, NO_NODE, STATUS_NAMES, UNKNOWN_STATUS, type DroneValues } from './columns';

/** Fields of one row of a sync packet, in this order. */
export const ROW_FIELDS = 18;
const LIVE = 17;

/** What the page gets from the worker: the drones changed since the last packet, and what it needs to read them. */
export interface SyncPacket {
  /** A snapshot came since the last packet: the page forgets every drone before applying the rows. */
  reset: boolean;
  /** Snapshots applied so far on this link. */
  snapshots: number;
  /** The newest gateway frame number in this packet (what the page acknowledges; 0 when frames are not numbered). */
  frame: number;
  /** Drone frames decoded since the last packet, and the drone states in them (superseded ones included). */
  messages: number;
  updates: number;
  /** Frames refused since the last packet (broken binary, not JSON), and why the last one was. */
  refused: number;
  refusedReason: string | null;
  /** Drones not held (the table is full: MAX_DRONES). */
  dropped: number;
  /** Ids that left, to drop before applying the rows. */
  removed: Float64Array;
  /** count × ROW_FIELDS values: id, seq, sentAtMs, receivedAtMs, lat, lon, alt, hdg, spd, climb, bat, status, flags,
   *  node, ingestMs, gridMs, gatewayMs, live (1 when the state came in a `changes` frame, 0 from a snapshot). */
  rows: Float64Array;
  count: number;
  /** Status and node names learned since the last packet, from these codes on. */
  statusNames: string[];
  statusNamesFrom: number;
  nodeNames: string[];
  nodeNamesFrom: number;
}

/** What a message was, for the link: a drone frame (with its number and whether it was a snapshot) or another one. */
export type IngestResult =
  | { kind: 'frame'; snapshot: boolean; frame: number }
  | { kind: 'control'; message: ServerMessage }
  | { kind: 'ignored' };

const IGNORED: IngestResult = { kind: 'ignored' };

export class FleetIngest {
  readonly columns = new FleetColumns();
  readonly statuses = new Names(STATUS_NAMES, 254);
  readonly nodes = new Names([], 0xfffe);
  private dirty: Uint8Array = new Uint8Array(this.columns.capacity);
  private dirtySlots: number[] = [];
  private live: Uint8Array = new Uint8Array(this.columns.capacity);
  private removed: number[] = [];
  private reset = false;
  private snapshots = 0;
  private frame = 0;
  private messages = 0;
  private updates = 0;
  private refused = 0;
  private refusedReason: string | null = null;
  private droppedSent = 0;
  private statusNamesSent = 0;
  private nodeNamesSent = 0;
  /** The binary connection's node indices → our node codes (a `nodes` message fills it). */
  private binaryNodes: number[] = [];
  private readonly values = emptyValues();
  private readonly record = emptyRecord();

  /** One message as the socket delivered it: text (JSON) or an ArrayBuffer (binary). */
  accept(data: string | ArrayBuffer, nowMs: number): IngestResult {
    return typeof data === 'string' ? this.text(data, nowMs) : this.binary(data, nowMs);
  }

  /** Anything to send the page? */
  get pending(): boolean {
    return this.reset || this.dirtySlots.length > 0 || this.removed.length > 0 || this.messages > 0 || this.refused > 0 ||
      this.statuses.size > this.statusNamesSent || this.nodes.size > this.nodeNamesSent;
  }

  /**
   * The packet for the page, or null when there is nothing new (unless `always`: an empty packet then). The arrays are
   * the packet's own (transferable).
   */
  takeSync(always = false): SyncPacket | null {
    if (!this.pending && !always) return null;
    const c = this.columns;
    const rows = new Float64Array(this.dirtySlots.length * ROW_FIELDS);
    let count = 0;
    for (const slot of this.dirtySlots) {
      this.dirty[slot] = 0;
      if (!c.used[slot]) continue; // removed after it changed: its id is in `removed`
      const o = count++ * ROW_FIELDS;
      rows[o] = c.id[slot]; rows[o + 1] = c.seq[slot]; rows[o + 2] = c.sentAtMs[slot]; rows[o + 3] = c.receivedAtMs[slot];
      rows[o + 4] = c.lat[slot]; rows[o + 5] = c.lon[slot]; rows[o + 6] = c.alt[slot]; rows[o + 7] = c.hdg[slot];
      rows[o + 8] = c.spd[slot]; rows[o + 9] = c.climb[slot]; rows[o + 10] = c.bat[slot]; rows[o + 11] = c.status[slot];
      rows[o + 12] = c.flags[slot]; rows[o + 13] = c.node[slot]; rows[o + 14] = c.ingestMs[slot]; rows[o + 15] = c.gridMs[slot];
      rows[o + 16] = c.gatewayMs[slot]; rows[o + LIVE] = this.live[slot];
    }
    const packet: SyncPacket = {
      reset: this.reset, snapshots: this.snapshots, frame: this.frame, messages: this.messages, updates: this.updates,
      refused: this.refused, refusedReason: this.refusedReason, dropped: c.dropped - this.droppedSent,
      removed: Float64Array.from(this.removed), rows: count === this.dirtySlots.length ? rows : rows.slice(0, count * ROW_FIELDS), count,
      statusNames: this.statuses.since(this.statusNamesSent), statusNamesFrom: this.statusNamesSent,
      nodeNames: this.nodes.since(this.nodeNamesSent), nodeNamesFrom: this.nodeNamesSent,
    };
    this.dirtySlots = [];
    this.removed = [];
    this.reset = false;
    this.messages = this.updates = this.refused = 0;
    this.refusedReason = null;
    this.droppedSent = c.dropped;
    this.statusNamesSent = this.statuses.size;
    this.nodeNamesSent = this.nodes.size;
    return packet;
  }

  private text(text: string, nowMs: number): IngestResult {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return IGNORED;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return IGNORED;
    const m = value as Record<string, unknown>;
    if (m.type === 'snapshot' || m.type === 'changes') {
      const snapshot = m.type === 'snapshot';
      if (snapshot) this.startSnapshot();
      const drones = Array.isArray(m.drones) ? m.drones : [];
      for (const wire of drones) this.applyWire(wire as WireDrone, nowMs, !snapshot);
      if (!snapshot && Array.isArray(m.removed)) {
        for (const id of m.removed) if (typeof id === 'number') this.remove(id);
      }
      return this.frameDone(drones.length, typeof m.frame === 'number' ? m.frame : 0, snapshot);
    }
    if (m.type === 'nodes') {
      this.binaryNodes = (Array.isArray(m.nodes) ? m.nodes : []).map((name) => this.nodes.code(String(name), NO_NODE));
      return IGNORED;
    }
    const message = serverMessage(value);
    return message ? { kind: 'control', message } : IGNORED;
  }

  private binary(buffer: ArrayBuffer, nowMs: number): IngestResult {
    let header;
    try {
      header = readHeader(buffer);
    } catch (error) {
      if (!(error instanceof BinaryFrameError)) throw error;
      this.refused++;
      this.refusedReason = error.message;
      return IGNORED;
    }
    if (header.frameType !== FRAME_SNAPSHOT && header.frameType !== FRAME_CHANGES) return IGNORED; // reserved: a later version's
    const snapshot = header.frameType === FRAME_SNAPSHOT;
    if (snapshot) this.startSnapshot();
    const view = new DataView(buffer);
    const r = this.record;
    const v = this.values;
    for (let i = 0; i < header.droneCount; i++) {
      readRecord(view, header, i, r);
      v.id = r.id; v.seq = r.seq; v.sentAtMs = r.sentAtMs; v.receivedAtMs = nowMs;
      v.lat = r.lat; v.lon = r.lon; v.alt = r.alt; v.hdg = r.hdg; v.spd = r.spd; v.climb = r.climb; v.bat = r.bat;
      v.status = r.status < STATUS_CODES.length ? r.status
        : r.status === WIRE_NO_STATUS ? UNKNOWN_STATUS : this.statuses.code(`STATUS_${r.status}`, UNKNOWN_STATUS);
      v.flags = r.flags;
      v.node = r.node === WIRE_NO_NODE ? NO_NODE : this.binaryNodes[r.node] ?? NO_NODE;
      v.ingestMs = r.ingestMs; v.gridMs = r.gridMs; v.gatewayMs = r.gatewayMs;
      this.put(v, !snapshot);
    }
    for (let i = 0; i < header.removedCount; i++) this.remove(readRemoved(view, header, i));
    return this.frameDone(header.droneCount, header.frame, snapshot);
  }

  private startSnapshot(): void {
    // A snapshot replaces what the client holds (and may carry lower sequences: a new connection starts afresh).
    this.columns.clear();
    for (const slot of this.dirtySlots) this.dirty[slot] = 0;
    this.dirtySlots = [];
    this.removed = [];
    this.reset = true;
    this.snapshots++;
  }

  private frameDone(updates: number, frame: number, snapshot: boolean): IngestResult {
    this.messages++;
    this.updates += updates;
    if (frame > 0) this.frame = frame;
    return { kind: 'frame', snapshot, frame };
  }

  private applyWire(wire: WireDrone, nowMs: number, live: boolean): void {
    if (wire == null || typeof wire !== 'object' || !Number.isFinite(wire.id) || !Number.isFinite(wire.seq) ||
      !Number.isFinite(wire.lat) || !Number.isFinite(wire.lon)) return;
    const v = this.values;
    const sentAtMs = nsToMs(wire.sentAtNs);
    const ingestAt = nsToMs(wire.ingestNs);
    const gridAt = nsToMs(wire.gridNs);
    v.id = wire.id; v.seq = wire.seq; v.sentAtMs = sentAtMs; v.receivedAtMs = nowMs;
    v.lat = wire.lat; v.lon = wire.lon; v.alt = num(wire.alt); v.hdg = num(wire.hdg); v.spd = num(wire.spd);
    v.climb = num(wire.climb); v.bat = num(wire.bat);
    v.status = typeof wire.status === 'string' ? this.statuses.code(wire.status, UNKNOWN_STATUS) : UNKNOWN_STATUS;
    v.flags = typeof wire.flags === 'number' ? wire.flags : 0;
    v.node = typeof wire.node === 'string' && wire.node !== '' ? this.nodes.code(wire.node, NO_NODE) : NO_NODE;
    v.ingestMs = ingestAt - sentAtMs;
    v.gridMs = gridAt - ingestAt;
    v.gatewayMs = nsToMs(wire.gatewayNs) - gridAt;
    this.put(v, live);
  }

  private put(v: DroneValues, live: boolean): void {
    const slot = this.columns.upsert(v);
    if (slot < 0) return;
    if (this.dirty.length < this.columns.capacity) {
      this.dirty = grown(this.dirty, this.columns.capacity);
      this.live = grown(this.live, this.columns.capacity);
    }
    this.live[slot] = live ? 1 : 0;
    if (!this.dirty[slot]) {
      this.dirty[slot] = 1;
      this.dirtySlots.push(slot);
    }
  }

  private remove(id: number): void {
    if (this.columns.remove(id) >= 0) this.removed.push(id);
  }
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : NaN;
}

function grown(array: Uint8Array, capacity: number): Uint8Array {
  const next = new Uint8Array(capacity);
  next.set(array);
  return next;
}

/** Applies a row of a sync packet to a copy of the columns (the page's). */
export function readRow(rows: Float64Array, index: number, out: DroneValues): DroneValues {
  const o = index * ROW_FIELDS;
  out.id = rows[o]; out.seq = rows[o + 1]; out.sentAtMs = rows[o + 2]; out.receivedAtMs = rows[o + 3];
  out.lat = rows[o + 4]; out.lon = rows[o + 5]; out.alt = rows[o + 6]; out.hdg = rows[o + 7]; out.spd = rows[o + 8];
  out.climb = rows[o + 9]; out.bat = rows[o + 10]; out.status = rows[o + 11]; out.flags = rows[o + 12]; out.node = rows[o + 13];
  out.ingestMs = rows[o + 14]; out.gridMs = rows[o + 15]; out.gatewayMs = rows[o + 16];
  return out;
}

export function rowIsLive(rows: Float64Array, index: number): boolean {
  return rows[index * ROW_FIELDS + LIVE] === 1;
}
