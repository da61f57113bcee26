// The fleet link against a real WebSocket server (test/fleetTestServer.ts) speaking the specified binary encoding and
// flow control: the dashboard's link negotiates, decodes, acknowledges what it applied, never has more frames in
// flight than its window, converges on the newest state when it is slower than the fleet, and a client that never
// opts in keeps working under the byte rule.
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { FleetConnection, type SocketLike } from '../connection';
import { FleetStore } from '../store';
import { InlineDecoder, type FleetDecoder } from './decoder';
import { FleetTestServer, JSON_PROTOCOL } from '../test/fleetTestServer';
import { BINARY_PROTOCOL } from '../wire/binary';

const WAIT = { timeout: 20_000, interval: 20 };
const createSocket = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as SocketLike;

describe('the fleet link against a server with flow control', () => {
  let server: FleetTestServer | null = null;
  let connection: FleetConnection | null = null;
  afterEach(async () => {
    connection?.close();
    await server?.close();
    connection = null;
    server = null;
  });

  async function converged(store: FleetStore, s: FleetTestServer): Promise<void> {
    s.stopMoving();
    await vi.waitFor(() => {
      expect(store.drones.size).toBe(s.fleet.length);
      for (const d of s.fleet) expect(store.drones.get(d.id)?.seq).toBe(d.seq);
    }, WAIT);
  }

  it('negotiates odyssey.bin.v1, decodes every drone, and acks within its window', async () => {
    server = await FleetTestServer.start({ drones: 300, tickMs: 20, maxWindow: 64 });
    const store = new FleetStore();
    connection = new FleetConnection(server.url, store, { createSocket, protocols: () => [JSON_PROTOCOL] });
    connection.start();
    await vi.waitFor(() => expect(server!.clients[0]?.acked).toBeGreaterThan(20), WAIT);
    expect(connection.encoding).toBe('binary');
    expect(connection.flowControl).toBe(true);
    const seen = server.clients[0];
    expect(seen.protocol).toBe(BINARY_PROTOCOL);
    expect(seen.window).toBe(2);
    expect(seen.badAcks).toBe(0);
    expect(seen.maxInFlight).toBeLessThanOrEqual(2);
    await converged(store, server);
    const d = server.fleet[41];
    const to7 = (v: number) => Math.round(v * 1e7) / 1e7; // the wire keeps 1e-7 degree
    expect(store.drones.get(d.id)).toMatchObject({ lat: to7(d.lat), lon: to7(d.lon), hdg: d.hdg, status: 'CRUISING', node: 'ingest-1' });
    expect(store.refusedFrames).toBe(0);
  });

  it('is sent only what it can apply when it is slower than the fleet, and still ends with the newest state', async () => {
    server = await FleetTestServer.start({ drones: 500, tickMs: 10, maxWindow: 64 });
    const store = new FleetStore();
    // A page that gets to each update 40 ms after it was decoded (four ticks of the fleet), without blocking the server.
    const createDecoder = (): FleetDecoder => {
      const inner = new InlineDecoder();
      const slow: FleetDecoder = {
        accept: (data) => inner.accept(data), newLink: () => inner.newLink(), synced: () => inner.synced(), close: () => inner.close(),
        onControl: () => {}, onSync: () => {},
      };
      inner.onControl = (m) => slow.onControl(m);
      inner.onSync = (p) => setTimeout(() => slow.onSync(p), 40);
      return slow;
    };
    connection = new FleetConnection(server.url, store, { createSocket, protocols: () => [JSON_PROTOCOL], createDecoder });
    connection.start();
    await vi.waitFor(() => expect(server!.clients[0]?.held).toBeGreaterThan(20), WAIT);
    const seen = server.clients[0];
    expect(seen.maxInFlight).toBeLessThanOrEqual(2);
    // Far fewer frames than the fleet's ticks went out: the rest were conflated into the frames that went.
    expect(seen.sent).toBeLessThan(server.ticks * 0.6);
    await converged(store, server);
  });

  it('speaks JSON with flow control when the client does not offer binary', async () => {
    server = await FleetTestServer.start({ drones: 200, tickMs: 20, maxWindow: 64 });
    const store = new FleetStore();
    connection = new FleetConnection(server.url, store, { createSocket, protocols: () => [JSON_PROTOCOL], binary: false });
    connection.start();
    await vi.waitFor(() => expect(server!.clients[0]?.acked).toBeGreaterThan(10), WAIT);
    expect(connection.encoding).toBe('json');
    expect(server.clients[0].protocol).toBe(JSON_PROTOCOL);
    expect(server.clients[0].maxInFlight).toBeLessThanOrEqual(2);
    await converged(store, server);
  });

  it('keeps working for a client that never acks (the byte rule), and with a gateway of today (no flow in hello)', async () => {
    server = await FleetTestServer.start({ drones: 200, tickMs: 20, maxWindow: 64 });
    const store = new FleetStore();
    connection = new FleetConnection(server.url, store, { createSocket, protocols: () => [JSON_PROTOCOL], flowWindow: 0 });
    connection.start();
    await vi.waitFor(() => expect(server!.clients[0]?.sent).toBeGreaterThan(20), WAIT);
    expect(server.clients[0]).toMatchObject({ window: null, acked: 0, held: 0 });
    await converged(store, server);
    connection.close();
    await server.close();

    server = await FleetTestServer.start({ drones: 200, tickMs: 20, maxWindow: null });
    const again = new FleetStore();
    connection = new FleetConnection(server.url, again, { createSocket, protocols: () => [JSON_PROTOCOL] });
    connection.start();
    await vi.waitFor(() => expect(server!.clients[0]?.sent).toBeGreaterThan(20), WAIT);
    expect(connection.flowControl).toBe(false);
    expect(server.clients[0]).toMatchObject({ window: null, acked: 0, badAcks: 0 });
    await converged(again, server);
  });
});
