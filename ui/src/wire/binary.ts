// The binary encoding of /ws/fleet drone frames, `odyssey.bin.v1` (docs/api/websocket.md, "Binary frames"): the
// decoder the dashboard's worker runs, and an encoder that follows the same rules (for the golden vectors, the unit
// tests and the test server; the gateway has its own in Java and is held to the same golden vectors).
//
// Little-endian throughout. A frame is a header (its own length in it, so it can grow), an optional bounding box,
// `droneCount` fixed-size drone records (their size in the header, so they can grow: a decoder reads the fields it
// knows and skips the rest), then `removedCount` drone ids. Every record depends only on the drone's state, never on
// the frame or the client, so the gateway encodes each drone version once and copies it into every frame.

export const BINARY_PROTOCOL = 'odyssey.bin.v1';
/** First byte of every binary frame ('O'): anything else is not one. */
export const MAGIC = 0x4f;
export const VERSION = 1;
export const FRAME_SNAPSHOT = 1;
export const FRAME_CHANGES = 2;
/** frameFlags bit: a snapshot carries its subscription's box (4 × float64 after the header). */
export const FLAG_BBOX = 1;
export const HEADER_LENGTH_V1 = 32;
export const RECORD_LENGTH_V1 = 60;

/** Sentinels for a value the sender did not have (JSON's null). */
export const NO_I32 = -0x80000000;
export const NO_U16 = 0xffff;
export const NO_I16 = -0x8000;
export const NO_NODE = 0xffff;
export const NO_STATUS = 0xff;

/** Status codes: the SBE schema's DroneStatus values (codecs/src/main/resources/sbe). */
export const STATUS_CODES = ['GROUNDED', 'TAKING_OFF', 'CRUISING', 'HOVERING', 'LANDING', 'RETURNING', 'EMERGENCY'] as const;

// Field offsets inside a record (version 1).
const R_ID = 0;
const R_SEQ = 8;
const R_SENT_AT = 16;
const R_LAT = 24;
const R_LON = 28;
const R_ALT = 32;
const R_INGEST = 36;
const R_GRID = 40;
const R_GATEWAY = 44;
const R_HDG = 48;
const R_SPD = 50;
const R_CLIMB = 52;
const R_BAT = 54;
const R_STATUS = 56;
const R_FLAGS = 57;
const R_NODE = 58;

const TWO_32 = 4294967296;

export interface FrameHeader {
  frameType: number;
  flags: number;
  headerLength: number;
  recordLength: number;
  /** Per connection, from 1: what an `ack` names. */
  frame: number;
  droneCount: number;
  removedCount: number;
  /** The gateway's clock when it built the frame, epoch ms. */
  frameTimeMs: number;
  bbox: [number, number, number, number] | null;
  /** Where the first drone record starts. */
  recordsOffset: number;
  /** Where the removed ids start. */
  removedOffset: number;
}

/** One decoded drone record. The decoder reuses one instance for every record: copy what you keep. */
export interface DroneRecord {
  id: number;
  seq: number;
  /** Epoch ms, fractional (from exact epoch ns). */
  sentAtMs: number;
  lat: number;
  lon: number;
  alt: number;
  hdg: number;
  spd: number;
  climb: number;
  bat: number;
  /** 0..6 as STATUS_CODES; another value is a status this build does not know (NO_STATUS: none). */
  status: number;
  flags: number;
  /** Index into the `nodes` table; NO_NODE for none. */
  node: number;
  /** Hop times in ms: drone → ingest, ingest → grid (flush), grid → gateway; NaN when unknown. */
  ingestMs: number;
  gridMs: number;
  gatewayMs: number;
}

export function emptyRecord(): DroneRecord {
  return {
    id: 0, seq: 0, sentAtMs: NaN, lat: NaN, lon: NaN, alt: NaN, hdg: NaN, spd: NaN, climb: NaN, bat: NaN,
    status: NO_STATUS, flags: 0, node: NO_NODE, ingestMs: NaN, gridMs: NaN, gatewayMs: NaN,
  };
}

export class BinaryFrameError extends Error {}

/** Reads and checks a frame's header: a frame that does not add up is refused whole (nothing half-applied). */
export function readHeader(buffer: ArrayBuffer): FrameHeader {
  const view = new DataView(buffer);
  if (buffer.byteLength < HEADER_LENGTH_V1) throw new BinaryFrameError(`frame of ${buffer.byteLength} bytes is shorter than a header`);
  if (view.getUint8(0) !== MAGIC) throw new BinaryFrameError('not an Odyssey binary frame (magic)');
  const version = view.getUint8(1);
  if (version !== VERSION) throw new BinaryFrameError(`binary frame version ${version} is not supported (this client reads ${VERSION})`);
  const frameType = view.getUint8(2);
  const flags = view.getUint8(3);
  const headerLength = view.getUint16(4, true);
  const recordLength = view.getUint16(6, true);
  if (headerLength < HEADER_LENGTH_V1) throw new BinaryFrameError(`header length ${headerLength} < ${HEADER_LENGTH_V1}`);
  if (recordLength < RECORD_LENGTH_V1) throw new BinaryFrameError(`record length ${recordLength} < ${RECORD_LENGTH_V1}`);
  const frame = view.getUint32(8, true);
  const droneCount = view.getUint32(12, true);
  const removedCount = view.getUint32(16, true);
  const frameTimeMs = epochNsToMs(view, 24);
  let offset = headerLength;
  let bbox: FrameHeader['bbox'] = null;
  if (flags & FLAG_BBOX) {
    if (offset + 32 > buffer.byteLength) throw new BinaryFrameError('frame ends inside its bounding box');
    bbox = [view.getFloat64(offset, true), view.getFloat64(offset + 8, true), view.getFloat64(offset + 16, true), view.getFloat64(offset + 24, true)];
    offset += 32;
  }
  const removedOffset = offset + droneCount * recordLength;
  const end = removedOffset + removedCount * 8;
  if (end !== buffer.byteLength) {
    throw new BinaryFrameError(`frame of ${buffer.byteLength} bytes, its header says ${end} (${droneCount} drones, ${removedCount} removed)`);
  }
  return { frameType, flags, headerLength, recordLength, frame, droneCount, removedCount, frameTimeMs, bbox, recordsOffset: offset, removedOffset };
}

/** Epoch ns (int64 at `offset`) as fractional epoch ms; two 32-bit halves, since a double cannot hold the ns exactly. */
function epochNsToMs(view: DataView, offset: number): number {
  const low = view.getUint32(offset, true);
  const high = view.getInt32(offset + 4, true);
  return high * (TWO_32 / 1e6) + low / 1e6;
}

/** An unsigned id or sequence below 2^53. */
function readU53(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * TWO_32 + view.getUint32(offset, true);
}

function scaledI32(view: DataView, offset: number, scale: number): number {
  const v = view.getInt32(offset, true);
  return v === NO_I32 ? NaN : v / scale;
}

function hopMs(view: DataView, offset: number): number {
  const v = view.getInt32(offset, true);
  return v === NO_I32 ? NaN : v / 1000;
}

/** Decodes drone record `index` of a frame into `out` (reused). */
export function readRecord(view: DataView, header: FrameHeader, index: number, out: DroneRecord): DroneRecord {
  const o = header.recordsOffset + index * header.recordLength;
  out.id = readU53(view, o + R_ID);
  out.seq = readU53(view, o + R_SEQ);
  out.sentAtMs = epochNsToMs(view, o + R_SENT_AT);
  out.lat = scaledI32(view, o + R_LAT, 1e7);
  out.lon = scaledI32(view, o + R_LON, 1e7);
  out.alt = scaledI32(view, o + R_ALT, 100);
  out.ingestMs = hopMs(view, o + R_INGEST);
  out.gridMs = hopMs(view, o + R_GRID);
  out.gatewayMs = hopMs(view, o + R_GATEWAY);
  const hdg = view.getUint16(o + R_HDG, true);
  out.hdg = hdg === NO_U16 ? NaN : hdg / 100;
  const spd = view.getUint16(o + R_SPD, true);
  out.spd = spd === NO_U16 ? NaN : spd / 100;
  const climb = view.getInt16(o + R_CLIMB, true);
  out.climb = climb === NO_I16 ? NaN : climb / 100;
  const bat = view.getUint16(o + R_BAT, true);
  out.bat = bat === NO_U16 ? NaN : bat / 100;
  out.status = view.getUint8(o + R_STATUS);
  out.flags = view.getUint8(o + R_FLAGS);
  out.node = view.getUint16(o + R_NODE, true);
  return out;
}

/** Removed id `index` of a frame. */
export function readRemoved(view: DataView, header: FrameHeader, index: number): number {
  return readU53(view, header.removedOffset + index * 8);
}

// ---- encoding (the rules the gateway follows too) ---------------------------------------------------------------

/** A drone as the encoder takes it: the gateway's state, times in epoch ns (bigint: exact). */
export interface DroneState {
  id: number;
  seq: number;
  sentAtNs: bigint;
  ingestNs: bigint;
  gridNs: bigint;
  gatewayNs: bigint;
  lat: number;
  lon: number;
  alt: number;
  hdg: number;
  spd: number;
  climb: number;
  bat: number;
  /** One of STATUS_CODES (another string is sent as NO_STATUS). */
  status: string;
  flags: number;
  /** Index into the nodes table (NO_NODE for none). */
  node: number;
}

/** Java's and JavaScript's Math.round: floor(x + 0.5), so both sides quantise alike. */
const round = Math.round;

function quantised(value: number, scale: number, min: number, max: number, none: number): number {
  if (!Number.isFinite(value)) return none;
  return Math.min(max, Math.max(min, round(value * scale)));
}

/** A hop time in µs between two epoch-ns stamps, saturated to int32; NO_I32 when a stamp is missing (0). */
function hopUs(later: bigint, earlier: bigint): number {
  if (later === 0n || earlier === 0n) return NO_I32;
  const micros = Number(later - earlier) / 1000;
  return Math.min(0x7fffffff, Math.max(-0x7fffffff, round(micros)));
}

/** Writes one drone record (RECORD_LENGTH_V1 bytes) at `offset`. */
export function writeRecord(view: DataView, offset: number, d: DroneState): void {
  const o = offset;
  view.setBigUint64(o + R_ID, BigInt(d.id), true);
  view.setBigUint64(o + R_SEQ, BigInt(d.seq), true);
  view.setBigInt64(o + R_SENT_AT, d.sentAtNs, true);
  view.setInt32(o + R_LAT, quantised(d.lat, 1e7, -900_000_000, 900_000_000, NO_I32), true);
  view.setInt32(o + R_LON, quantised(d.lon, 1e7, -1_800_000_000, 1_800_000_000, NO_I32), true);
  view.setInt32(o + R_ALT, quantised(d.alt, 100, -0x7fffffff, 0x7fffffff, NO_I32), true);
  view.setInt32(o + R_INGEST, hopUs(d.ingestNs, d.sentAtNs), true);
  view.setInt32(o + R_GRID, hopUs(d.gridNs, d.ingestNs), true);
  view.setInt32(o + R_GATEWAY, hopUs(d.gatewayNs, d.gridNs), true);
  // 359.996° rounds to 36000: the same direction as 0.
  const hdg = quantised(d.hdg, 100, 0, 36000, NO_U16);
  view.setUint16(o + R_HDG, hdg === 36000 ? 0 : hdg, true);
  view.setUint16(o + R_SPD, quantised(d.spd, 100, 0, 0xfffe, NO_U16), true);
  view.setInt16(o + R_CLIMB, quantised(d.climb, 100, -0x7fff, 0x7fff, NO_I16), true);
  view.setUint16(o + R_BAT, quantised(d.bat, 100, 0, 10000, NO_U16), true);
  const status = (STATUS_CODES as readonly string[]).indexOf(d.status);
  view.setUint8(o + R_STATUS, status < 0 ? NO_STATUS : status);
  view.setUint8(o + R_FLAGS, d.flags & 0xff);
  view.setUint16(o + R_NODE, d.node, true);
}

export interface FrameContent {
  frameType: typeof FRAME_SNAPSHOT | typeof FRAME_CHANGES;
  frame: number;
  frameTimeNs: bigint;
  bbox?: [number, number, number, number] | null;
  drones: readonly DroneState[];
  removed?: readonly number[];
}

/** A whole frame, as the gateway sends it. */
export function encodeFrame(c: FrameContent): ArrayBuffer {
  const hasBox = c.frameType === FRAME_SNAPSHOT && c.bbox != null;
  const removed = c.removed ?? [];
  const length = HEADER_LENGTH_V1 + (hasBox ? 32 : 0) + c.drones.length * RECORD_LENGTH_V1 + removed.length * 8;
  const buffer = new ArrayBuffer(length);
  const view = new DataView(buffer);
  view.setUint8(0, MAGIC);
  view.setUint8(1, VERSION);
  view.setUint8(2, c.frameType);
  view.setUint8(3, hasBox ? FLAG_BBOX : 0);
  view.setUint16(4, HEADER_LENGTH_V1, true);
  view.setUint16(6, RECORD_LENGTH_V1, true);
  view.setUint32(8, c.frame, true);
  view.setUint32(12, c.drones.length, true);
  view.setUint32(16, removed.length, true);
  view.setUint32(20, 0, true);
  view.setBigInt64(24, c.frameTimeNs, true);
  let offset = HEADER_LENGTH_V1;
  if (hasBox) {
    c.bbox!.forEach((v, i) => view.setFloat64(offset + i * 8, v, true));
    offset += 32;
  }
  for (const d of c.drones) {
    writeRecord(view, offset, d);
    offset += RECORD_LENGTH_V1;
  }
  for (const id of removed) {
    view.setBigUint64(offset, BigInt(id), true);
    offset += 8;
  }
  return buffer;
}
