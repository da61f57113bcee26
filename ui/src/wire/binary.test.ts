// The binary drone frames against the golden vectors (docs/api/fleet-binary-golden.json): every frame decodes to the
// values written beside it, every input encodes to the same bytes, a frame from a later version (longer header and
// records) reads the same, and broken frames are refused whole. The gateway's encoder is held to the same file.
//
// UPDATE_GOLDEN=1 npx vitest run src/wire/binary.test.ts rewrites the file from VECTORS below: only when the format
// changes on purpose (a new version), never to make a failing decoder pass.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BinaryFrameError, emptyRecord, encodeFrame, FRAME_CHANGES, FRAME_SNAPSHOT, NO_NODE, NO_STATUS, readHeader, readRecord,
  readRemoved, RECORD_LENGTH_V1, STATUS_CODES, type DroneState, type FrameContent,
} from './binary';

const GOLDEN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/api/fleet-binary-golden.json');
const f = Math.fround;

interface InputDrone { id: number; seq: number; sentAtNs: string; ingestNs: string; gridNs: string; gatewayNs: string;
  lat: number | null; lon: number | null; alt: number | null; hdg: number | null; spd: number | null; climb: number | null;
  bat: number | null; status: string; flags: number; node: number }
interface Vector { name: string; description: string; nodes: string[]; frameType: number; frame: number; frameTimeNs: string;
  bbox: [number, number, number, number] | null; drones: InputDrone[]; removed: number[] }

const drone = (d: Partial<InputDrone> & Pick<InputDrone, 'id'>): InputDrone => ({
  seq: 1, sentAtNs: '1796465149745754261', ingestNs: '1796465149755241600', gridNs: '1796465149755244975',
  gatewayNs: '1796465150145127879', lat: 52.51436926207514, lon: 13.415522674396035, alt: f(101.9), hdg: f(229.2), spd: f(12),
  climb: 0, bat: f(71.6), status: 'CRUISING', flags: 8, node: 0, ...d,
});

/** The inputs: float fields as exact float32 values (what the gateway holds), times as decimal epoch ns. */
const VECTORS: Vector[] = [
  {
    name: 'snapshot-whole-fleet', description: 'A snapshot of the whole fleet (no box): two ordinary drones on two ingest nodes.',
    nodes: ['ingest-1', 'ingest-2'], frameType: FRAME_SNAPSHOT, frame: 1, frameTimeNs: '1796465150146000000', bbox: null,
    drones: [
      drone({ id: 7, seq: 1791 }),
      drone({ id: 1000, seq: 1, sentAtNs: '1796465150000000000', ingestNs: '1796465150000412345', gridNs: '1796465150004999999',
        gatewayNs: '1796465150006000001', lat: -33.8567844, lon: 151.2152967, alt: 0, hdg: 0, spd: 0, climb: 0, bat: 100,
        status: 'GROUNDED', flags: 9, node: 1 }),
    ],
    removed: [],
  },
  {
    name: 'snapshot-box-across-antimeridian',
    description: 'A snapshot of a box crossing the antimeridian; values at the edges of their ranges and rounding cases: a heading that rounds to 360 is sent as 0, a latitude half-way between two steps rounds up.',
    nodes: ['ingest-1', 'ingest-2'], frameType: FRAME_SNAPSHOT, frame: 3, frameTimeNs: '1796465151000000000', bbox: [170, -10, -170, 10],
    drones: [
      drone({ id: 42, seq: 123456789, lat: -9.99999995, lon: 179.99999996, alt: f(19999.99), hdg: f(359.996), spd: f(199.99),
        climb: f(-2.345), bat: f(0.004), status: 'EMERGENCY', flags: 6, node: NO_NODE }),
      drone({ id: 43, seq: 2, lat: 9.9999999, lon: -179.9999999, alt: f(-1000), hdg: f(0.004), spd: f(0.005), climb: f(327.66),
        bat: f(99.995), status: 'RETURNING', flags: 15, node: 1 }),
    ],
    removed: [],
  },
  {
    name: 'changes-unknowns-and-removed',
    description: 'A changes frame: the largest id and sequence, values the gateway does not have (sentinels), a status this version does not know, an ingest stamp before the send (skewed clocks: negative), a gap that saturates, and two removed drones.',
    nodes: ['ingest-1', 'ingest-2', 'edge-7', 'edge-8'], frameType: FRAME_CHANGES, frame: 12, frameTimeNs: '1796465152000000000', bbox: null,
    drones: [
      drone({ id: 9007199254740991, seq: 9007199254740991, sentAtNs: '1', ingestNs: '0', gridNs: '0', gatewayNs: '1796465150145127879',
        alt: null, hdg: null, spd: null, climb: null, bat: null, status: 'FUTURE_MODE', flags: 0xff, node: 3 }),
      drone({ id: 8, seq: 77, sentAtNs: '1796465149745754261', ingestNs: '1796465149743754261', gridNs: '1796465149745000000',
        gatewayNs: '1796468149745000000', status: 'HOVERING', spd: 0, hdg: f(90), node: 2 }),
    ],
    removed: [5, 9007199254740991],
  },
  {
    name: 'changes-removed-only', description: 'A changes frame with no drone, only an id that left the subscription.',
    nodes: ['ingest-1'], frameType: FRAME_CHANGES, frame: 13, frameTimeNs: '1796465152016000000', bbox: null, drones: [], removed: [1000],
  },
];

const big = (text: string) => BigInt(text);
const state = (d: InputDrone): DroneState => ({
  id: d.id, seq: d.seq, sentAtNs: big(d.sentAtNs), ingestNs: big(d.ingestNs), gridNs: big(d.gridNs), gatewayNs: big(d.gatewayNs),
  lat: d.lat ?? NaN, lon: d.lon ?? NaN, alt: d.alt ?? NaN, hdg: d.hdg ?? NaN, spd: d.spd ?? NaN, climb: d.climb ?? NaN,
  bat: d.bat ?? NaN, status: d.status, flags: d.flags, node: d.node,
});
const content = (v: Vector): FrameContent => ({
  frameType: v.frameType as FrameContent['frameType'], frame: v.frame, frameTimeNs: big(v.frameTimeNs), bbox: v.bbox,
  drones: v.drones.map(state), removed: v.removed,
});

const toHex = (buffer: ArrayBuffer) => Buffer.from(buffer).toString('hex');
const fromHex = (hex: string): ArrayBuffer => {
  const bytes = Buffer.from(hex, 'hex');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

/** What a decoder must read back: the quantised values, null for a sentinel. */
function decodedOf(buffer: ArrayBuffer) {
  const header = readHeader(buffer);
  const view = new DataView(buffer);
  const r = emptyRecord();
  const n = (v: number) => (Number.isNaN(v) ? null : v);
  const drones = [];
  for (let i = 0; i < header.droneCount; i++) {
    readRecord(view, header, i, r);
    const sentAtNs = view.getBigInt64(header.recordsOffset + i * header.recordLength + 16, true).toString();
    drones.push({
      id: r.id, seq: r.seq, sentAtNs, lat: n(r.lat), lon: n(r.lon), alt: n(r.alt), hdg: n(r.hdg), spd: n(r.spd), climb: n(r.climb),
      bat: n(r.bat), status: r.status < STATUS_CODES.length ? STATUS_CODES[r.status] : null, statusCode: r.status, flags: r.flags,
      node: r.node === NO_NODE ? null : r.node,
      ingestUs: r.ingestMs === r.ingestMs ? Math.round(r.ingestMs * 1000) : null,
      gridUs: r.gridMs === r.gridMs ? Math.round(r.gridMs * 1000) : null,
      gatewayUs: r.gatewayMs === r.gatewayMs ? Math.round(r.gatewayMs * 1000) : null,
    });
  }
  const removed = Array.from({ length: header.removedCount }, (_, i) => readRemoved(view, header, i));
  return { frameType: header.frameType, frame: header.frame, frameTimeMs: header.frameTimeMs, bbox: header.bbox, drones, removed };
}

/** The same drone as today's JSON (ws-gateway DroneJson), for the size comparison. */
function droneJson(d: InputDrone, nodes: string[]): string {
  const fixed = (v: number | null, places: number) => (v === null ? 'null' : (Math.round(v * 10 ** places) / 10 ** places).toFixed(places).replace(/(\.\d)0$/, '$1'));
  return `{"id":${d.id},"seq":${d.seq},"sentAtNs":"${d.sentAtNs}","ingestNs":"${d.ingestNs}","gridNs":"${d.gridNs}",` +
    `"gatewayNs":"${d.gatewayNs}","lat":${d.lat},"lon":${d.lon},"alt":${fixed(d.alt, 1)},"hdg":${fixed(d.hdg, 1)},` +
    `"spd":${fixed(d.spd, 2)},"climb":${fixed(d.climb, 2)},"bat":${fixed(d.bat, 1)},"status":"${d.status}","flags":${d.flags},` +
    `"node":"${nodes[d.node] ?? ''}"}`;
}

function frameJson(v: Vector): string {
  const drones = v.drones.map((d) => droneJson(d, v.nodes)).join(',');
  return v.frameType === FRAME_SNAPSHOT
    ? `{"type":"snapshot","bbox":${v.bbox ? JSON.stringify(v.bbox) : 'null'},"drones":[${drones}],"frame":${v.frame}}`
    : `{"type":"changes","drones":[${drones}],"removed":[${v.removed.join(',')}],"frame":${v.frame}}`;
}

/** A frame as a later version might send it: 8 more header bytes and 4 more bytes per record, which v1 skips. */
function grown(buffer: ArrayBuffer): ArrayBuffer {
  const h = readHeader(buffer);
  const src = new Uint8Array(buffer);
  const extraHeader = 8, extraRecord = 4;
  const out = new Uint8Array(buffer.byteLength + extraHeader + h.droneCount * extraRecord);
  out.set(src.subarray(0, h.headerLength), 0);
  out.fill(0xab, h.headerLength, h.headerLength + extraHeader);
  const view = new DataView(out.buffer);
  view.setUint16(4, h.headerLength + extraHeader, true);
  view.setUint16(6, h.recordLength + extraRecord, true);
  let o = h.headerLength + extraHeader;
  out.set(src.subarray(h.headerLength, h.recordsOffset), o); // the box, if any
  o += h.recordsOffset - h.headerLength;
  for (let i = 0; i < h.droneCount; i++) {
    out.set(src.subarray(h.recordsOffset + i * h.recordLength, h.recordsOffset + (i + 1) * h.recordLength), o);
    out.fill(0xcd, o + h.recordLength, o + h.recordLength + extraRecord);
    o += h.recordLength + extraRecord;
  }
  out.set(src.subarray(h.removedOffset), o);
  return out.buffer;
}

function refusals(first: ArrayBuffer) {
  const bytes = new Uint8Array(first);
  const variant = (edit: (b: Uint8Array) => Uint8Array) => toHex(edit(new Uint8Array(bytes)).slice().buffer);
  return [
    { name: 'bad-magic', hex: variant((b) => { b[0] = 0x7b; return b; }), reason: 'magic' },
    { name: 'unknown-version', hex: variant((b) => { b[1] = 2; return b; }), reason: 'version 2' },
    { name: 'truncated', hex: variant((b) => b.slice(0, b.length - 1)), reason: 'says' },
    { name: 'trailing-byte', hex: toHex(Uint8Array.from([...bytes, 0]).buffer), reason: 'says' },
    { name: 'record-too-short', hex: variant((b) => { b[6] = RECORD_LENGTH_V1 - 1; return b; }), reason: 'record length' },
    { name: 'shorter-than-a-header', hex: variant((b) => b.slice(0, 31)), reason: 'shorter than a header' },
  ];
}

function build() {
  const vectors = VECTORS.map((v) => {
    const buffer = encodeFrame(content(v));
    const json = frameJson(v);
    return {
      ...v, hex: toHex(buffer), bytes: buffer.byteLength, jsonBytes: Buffer.byteLength(json), json, decoded: decodedOf(buffer),
    };
  });
  const first = fromHex(vectors[0].hex);
  return {
    description: 'Golden vectors of the odyssey.bin.v1 drone frames (docs/api/websocket.md, "Binary frames"). Each vector: the ' +
      'drones the gateway holds (float fields as exact float32 values, times as decimal epoch ns, null = the gateway does not ' +
      'have it; node = index into nodes, 65535 = none), the frame as hex, what a decoder reads back (null = sentinel), and the ' +
      'same frame as JSON for the size comparison. "grown": vector 1 as a later version could send it (longer header and ' +
      'records), which a version-1 decoder reads the same. "refused": frames a decoder must refuse whole.',
    recordLength: RECORD_LENGTH_V1,
    vectors,
    grown: { of: vectors[0].name, hex: toHex(grown(first)), decoded: vectors[0].decoded },
    refused: refusals(first),
  };
}

const golden = (() => {
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(GOLDEN, `${JSON.stringify(build(), null, 2)}\n`);
  return JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as ReturnType<typeof build>;
})();

describe('binary drone frames (golden vectors)', () => {
  it('should decode every golden frame to the values beside it', () => {
    for (const v of golden.vectors) expect(decodedOf(fromHex(v.hex)), v.name).toEqual(v.decoded);
  });

  it('should encode every golden input to the golden bytes', () => {
    for (const v of golden.vectors) expect(toHex(encodeFrame(content(v))), v.name).toBe(v.hex);
  });

  it('should cover the vectors this test defines (the file is not stale)', () => {
    expect(golden.vectors.map((v) => v.name)).toEqual(VECTORS.map((v) => v.name));
    for (const [i, v] of VECTORS.entries()) expect(golden.vectors[i].drones, v.name).toEqual(v.drones);
  });

  it('should read a frame of a later version with a longer header and records the same', () => {
    expect(decodedOf(fromHex(golden.grown.hex))).toEqual(golden.grown.decoded);
  });

  it('should refuse broken frames whole', () => {
    for (const r of golden.refused) expect(() => readHeader(fromHex(r.hex)), r.name).toThrow(BinaryFrameError);
    for (const r of golden.refused) expect(() => readHeader(fromHex(r.hex)), r.name).toThrow(r.reason);
  });

  it('should keep epoch times exact to well under a microsecond', () => {
    const v = golden.vectors[0];
    const header = readHeader(fromHex(v.hex));
    const r = readRecord(new DataView(fromHex(v.hex)), header, 0, emptyRecord());
    const exact = Number(BigInt(v.drones[0].sentAtNs) / 1000n) / 1000; // µs precision as ms
    expect(Math.abs(r.sentAtMs - exact)).toBeLessThan(0.001);
    expect(header.frameTimeMs).toBe(1796465150146);
  });

  it('should quantise to the stated precision: a position within 1.1 cm, the rest at least as fine as JSON', () => {
    const v = golden.vectors[1];
    for (const [i, d] of v.decoded.drones.entries()) {
      const input = v.drones[i];
      expect(Math.abs(d.lat! - input.lat!)).toBeLessThanOrEqual(0.5e-7 + 1e-12);
      expect(Math.abs(d.lon! - input.lon!)).toBeLessThanOrEqual(0.5e-7 + 1e-12);
      expect(Math.abs(d.alt! - input.alt!)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(d.bat! - input.bat!)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    expect(v.decoded.drones[0].hdg).toBe(0); // 359.996 rounds to 360: north
    expect(v.decoded.drones[0].node).toBeNull();
  });

  it('should send a drone in at most a quarter of its JSON bytes', () => {
    for (const v of golden.vectors.filter((x) => x.drones.length > 0)) {
      const jsonPerDrone = v.drones.map((d) => Buffer.byteLength(droneJson(d, v.nodes)));
      for (const bytes of jsonPerDrone) expect(RECORD_LENGTH_V1 / bytes, v.name).toBeLessThanOrEqual(0.25);
    }
  });

  it('should decode the sentinels as unknown and an unknown status as code 255', () => {
    const d = golden.vectors[2].decoded.drones[0];
    expect([d.alt, d.hdg, d.spd, d.climb, d.bat, d.ingestUs, d.gridUs, d.gatewayUs]).toEqual([null, null, null, null, null, null, null, null]);
    expect(d.statusCode).toBe(NO_STATUS);
    const skewed = golden.vectors[2].decoded.drones[1];
    expect(skewed.ingestUs).toBe(-2000);
    expect(skewed.gatewayUs).toBe(2147483647);
  });
});
