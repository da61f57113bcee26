import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetConnection, fleetSocketUrl, type LinkState, type SocketLike } from './connection';
import { socketProtocols } from './auth';
import { FleetStore } from './store';
import { wire } from './test/fixtures';
import { BINARY_PROTOCOL, encodeFrame, FRAME_CHANGES, FRAME_SNAPSHOT, type DroneState } from './wire/binary';

class FakeSocket implements SocketLike {
  readyState = 0;
  protocol = 'odyssey.v1';
  binaryType = 'blob';
  sent: string[] = [];
  closed = false;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) { this.sent.push(data); }
  close() { this.closed = true; this.readyState = 3; }
  // test side
  open() { this.readyState = 1; this.onopen?.({}); }
  receive(message: object) { this.onmessage?.({ data: JSON.stringify(message) }); }
  receiveBinary(frame: ArrayBuffer) { this.onmessage?.({ data: frame }); }
  acks() { return this.sent.map((s) => JSON.parse(s)).filter((m) => m.type === 'ack').map((m) => m.frame); }
  serverClose(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
  subscriptions() { return this.sent.map((s) => JSON.parse(s)).filter((m) => m.type === 'subscribe').map((m) => m.bbox); }
}

describe('FleetConnection', () => {
  let sockets: FakeSocket[];
  let states: LinkState[];
  let store: FleetStore;
  let connection: FleetConnection;
  const last = () => sockets[sockets.length - 1];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    states = [];
    store = new FleetStore();
    connection = new FleetConnection('ws://host/ws/fleet', store, {
      createSocket: (url) => { const s = new FakeSocket(url); sockets.push(s); return s; },
      random: () => 0.5, // no jitter
      backoff: { initialMs: 500, maxMs: 4000, jitter: 0.2 },
      connectTimeoutMs: 5000,
      pingIntervalMs: 10_000,
      idleTimeoutMs: 25_000,
    });
    connection.onState = (s) => states.push(s);
  });
  afterEach(() => {
    connection.close();
    vi.useRealTimers();
  });

  it('tells the dashboard when the gateway refused the handshake, so it can ask why', () => {
    let refused = 0;
    connection.onRefused = () => refused++;
    connection.start();
    last().serverClose(1006);
    expect(refused).toBe(1);
    expect(connection.state).toMatchObject({ kind: 'connecting', attempt: 2 });
  });

  it('connects, goes live, and feeds the store from snapshot and changes', () => {
    connection.start();
    expect(connection.state).toMatchObject({ kind: 'connecting', attempt: 1 });
    last().open();
    expect(connection.state.kind).toBe('live');
    const snapshots: boolean[] = [];
    connection.onSnapshot = (first) => snapshots.push(first);
    last().receive({ type: 'hello', protocol: 1, coalesceMs: 16 });
    last().receive({ type: 'snapshot', drones: [wire(1, 1), wire(2, 1)], bbox: null });
    last().receive({ type: 'changes', drones: [wire(1, 2, { lat: 9 })], removed: [2] });
    expect([...store.drones.keys()]).toEqual([1]);
    expect(store.drones.get(1)?.lat).toBe(9);
    expect(snapshots).toEqual([true]);
  });

  it('sends the subscription once live, only when it changes, and again after reconnecting', () => {
    connection.subscribe([1, 2, 3, 4]);
    connection.start();
    expect(last().sent).toEqual([]);
    last().open();
    expect(last().subscriptions()).toEqual([[1, 2, 3, 4]]);
    connection.subscribe([1, 2, 3, 4]);
    connection.subscribe([5, 6, 7, 8]);
    connection.subscribe(null);
    expect(last().subscriptions()).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], null]);
    connection.subscribe([0, 0, 1, 1]);
    last().serverClose();
    vi.advanceTimersByTime(1000);
    last().open();
    expect(last().subscriptions()).toEqual([[0, 0, 1, 1]]);
  });

  it('does not send a whole-fleet subscription on connect (the gateway default)', () => {
    connection.start();
    last().open();
    expect(last().sent).toEqual([]);
  });

  it('reconnects with capped exponential back-off and shows the attempt count', () => {
    connection.start();
    last().open();
    last().receive({ type: 'snapshot', drones: [wire(1, 1)], bbox: null });
    last().serverClose(1008);
    expect(connection.state).toMatchObject({ kind: 'reconnecting', attempt: 1, reason: 'closed (1008)' });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const state = connection.state as Extract<LinkState, { retryAtMs: number | null }>;
      delays.push(state.retryAtMs! - Date.now());
      vi.advanceTimersByTime(state.retryAtMs! - Date.now());
      expect(connection.state).toMatchObject({ kind: 'reconnecting', attempt: i + 1, retryAtMs: null });
      last().serverClose();
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
    expect(sockets).toHaveLength(7);
  });

  it('replaces the state with the snapshot after reconnecting, and resets the back-off', () => {
    connection.start();
    last().open();
    last().receive({ type: 'snapshot', drones: [wire(1, 1), wire(2, 1)], bbox: null });
    last().serverClose();
    vi.advanceTimersByTime(500);
    last().serverClose();
    vi.advanceTimersByTime(1000);
    last().open();
    expect(connection.state.kind).toBe('live');
    last().receive({ type: 'snapshot', drones: [wire(3, 1)], bbox: null });
    expect([...store.drones.keys()]).toEqual([3]);
    last().serverClose();
    expect((connection.state as { retryAtMs: number }).retryAtMs - Date.now()).toBe(500);
  });

  it('gives up on an attempt that does not open in time', () => {
    connection.start();
    vi.advanceTimersByTime(5000);
    expect(sockets[0].closed).toBe(true);
    expect(connection.state).toMatchObject({ kind: 'connecting', attempt: 2, reason: 'connection timed out' });
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(2);
  });

  it('pings while live and drops a link that has gone silent', () => {
    connection.start();
    last().open();
    vi.advanceTimersByTime(10_000);
    expect(last().sent).toContain('{"type":"ping"}');
    last().receive({ type: 'pong', serverTimeMs: 1 });
    vi.advanceTimersByTime(20_000);
    expect(connection.state.kind).toBe('live');
    vi.advanceTimersByTime(10_000);
    expect(connection.state).toMatchObject({ kind: 'reconnecting', reason: 'no messages from the gateway' });
    expect(sockets[0].closed).toBe(true);
  });

  it('ignores events from an abandoned socket', () => {
    connection.start();
    const first = last();
    first.open();
    connection.reconnectNow();
    vi.advanceTimersByTime(0);
    first.receive({ type: 'snapshot', drones: [wire(9, 1)], bbox: null });
    first.serverClose();
    expect(store.drones.size).toBe(0);
    expect(sockets).toHaveLength(2);
  });

  it('reports gateway errors and stays connected', () => {
    const errors: string[] = [];
    connection.onServerError = (e) => errors.push(e);
    connection.start();
    last().open();
    last().receive({ type: 'error', code: 'BAD_BBOX', message: 'south must be below north' });
    expect(errors).toEqual(['BAD_BBOX: south must be below north']);
    expect(connection.state.kind).toBe('live');
  });

  it('offers the subprotocols of the moment on every attempt (the token rides in them, never in the URL)', () => {
    const offered: string[][] = [];
    let token = 'first-token-0123456';
    const link = new FleetConnection('ws://host/ws/fleet', store, {
      createSocket: (url, protocols) => { offered.push(protocols); const s = new FakeSocket(url); sockets.push(s); return s; },
      protocols: () => socketProtocols(token),
      random: () => 0.5,
    });
    link.start();
    token = 'second-token-012345';
    link.reconnectNow();
    vi.advanceTimersByTime(0);
    expect(offered).toEqual([
      [BINARY_PROTOCOL, 'odyssey.v1', 'bearer.first-token-0123456'],
      [BINARY_PROTOCOL, 'odyssey.v1', 'bearer.second-token-012345'],
    ]);
    expect(sockets.every((s) => !s.url.includes('token'))).toBe(true);
    link.close();
  });

  it('opts in to flow control only when the gateway announces it, and acks each applied frame (cumulative)', () => {
    connection.start();
    last().open();
    last().receive({ type: 'hello', protocol: 1, flow: { maxWindow: 64 } });
    expect(connection.flowControl).toBe(true);
    expect(last().sent.map((s) => JSON.parse(s))).toContainEqual({ type: 'flow', window: 2 });
    last().receive({ type: 'snapshot', drones: [wire(1, 1)], bbox: null, frame: 1 });
    last().receive({ type: 'changes', drones: [wire(1, 2)], removed: [], frame: 2 });
    last().receive({ type: 'changes', drones: [wire(1, 3)], removed: [], frame: 3 });
    expect(last().acks()).toEqual([1, 2, 3]);
    expect(store.drones.get(1)?.seq).toBe(3);
    // A new socket starts numbering afresh: nothing is acked on it before it announced flow control again.
    last().serverClose();
    vi.advanceTimersByTime(500);
    last().open();
    last().receive({ type: 'hello', protocol: 1 });
    last().receive({ type: 'snapshot', drones: [wire(1, 1)], bbox: null, frame: 1 });
    expect(connection.flowControl).toBe(false);
    expect(last().acks()).toEqual([]);
    expect(last().sent.some((s) => s.includes('"flow"'))).toBe(false);
  });

  it('never sends flow or ack to a gateway that does not do flow control', () => {
    connection.start();
    last().open();
    last().receive({ type: 'hello', protocol: 1, coalesceMs: 16 });
    last().receive({ type: 'snapshot', drones: [wire(1, 1)], bbox: null });
    last().receive({ type: 'changes', drones: [wire(1, 2)], removed: [], frame: 7 });
    expect(last().sent).toEqual([]);
    expect(store.drones.get(1)?.seq).toBe(2);
  });

  it('reads binary drone frames when the gateway chose odyssey.bin.v1, with node names from the nodes table', () => {
    const state = (id: number, seq: number, lat: number): DroneState => ({
      id, seq, sentAtNs: 1796465149745754261n, ingestNs: 1796465149755241600n, gridNs: 1796465149755244975n,
      gatewayNs: 1796465150145127879n, lat, lon: 13.4, alt: 100, hdg: 90, spd: 12, climb: 0, bat: 80, status: 'HOVERING', flags: 0, node: 1,
    });
    connection.start();
    last().protocol = BINARY_PROTOCOL;
    last().open();
    expect(connection.encoding).toBe('binary');
    expect(last().binaryType).toBe('arraybuffer');
    last().receive({ type: 'hello', protocol: 1, flow: { maxWindow: 8 } });
    last().receive({ type: 'nodes', nodes: ['ingest-1', 'ingest-2'] });
    last().receiveBinary(encodeFrame({ frameType: FRAME_SNAPSHOT, frame: 1, frameTimeNs: 1796465150146000000n, drones: [state(5, 1, 52.5)] }));
    last().receiveBinary(encodeFrame({ frameType: FRAME_CHANGES, frame: 2, frameTimeNs: 1796465150246000000n, drones: [state(5, 2, 52.6), state(6, 1, 1)], removed: [] }));
    last().receiveBinary(encodeFrame({ frameType: FRAME_CHANGES, frame: 3, frameTimeNs: 1796465150346000000n, drones: [], removed: [6] }));
    expect([...store.drones.keys()]).toEqual([5]);
    expect(store.drones.get(5)).toMatchObject({ seq: 2, lat: 52.6, status: 'HOVERING', node: 'ingest-2', hdg: 90 });
    expect(last().acks()).toEqual([1, 2, 3]);
  });

  it('reports a binary frame it refused and keeps the link', () => {
    const errors: string[] = [];
    connection.onServerError = (e) => errors.push(e);
    connection.start();
    last().protocol = BINARY_PROTOCOL;
    last().open();
    last().receiveBinary(new Uint8Array([0x7b, 1, 2, 3]).buffer);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/refused a binary frame/);
    expect(connection.state.kind).toBe('live');
  });

  it('stops for good on close', () => {
    connection.start();
    last().open();
    connection.close();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(sockets[0].closed).toBe(true);
  });
});

describe('fleetSocketUrl', () => {
  it('builds ws(s) URLs from the page location', () => {
    expect(fleetSocketUrl('/ws/fleet', { protocol: 'http:', host: 'h:8080', pathname: '/' })).toBe('ws://h:8080/ws/fleet');
    expect(fleetSocketUrl('/ws/fleet', { protocol: 'https:', host: 'h', pathname: '/x/index.html' })).toBe('wss://h/ws/fleet');
    expect(fleetSocketUrl('ws/fleet', { protocol: 'https:', host: 'h', pathname: '/odyssey/' })).toBe('wss://h/odyssey/ws/fleet');
    expect(fleetSocketUrl('wss://other/ws', { protocol: 'http:', host: 'h', pathname: '/' })).toBe('wss://other/ws');
  });
});
