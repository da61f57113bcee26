// A small /ws/fleet server for the link's tests, speaking what docs/api/websocket.md specifies and the gateway does
// not speak yet: odyssey.bin.v1 (encoded with the golden vectors' rules: wire/binary.ts) beside JSON, picked by
// subprotocol, and flow control (frames numbered, sent only while sent − acked < window, drones conflated per client
// otherwise), with today's byte-bound rule for a client that never opts in. A fleet of drones moves on every tick.
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { BINARY_PROTOCOL, encodeFrame, FRAME_CHANGES, FRAME_SNAPSHOT, type DroneState } from '../wire/binary';

export const JSON_PROTOCOL = 'odyssey.v1';
const NODES = ['ingest-1', 'ingest-2'];

export interface ServerOptions {
  drones: number;
  tickMs: number;
  /** Announce flow control in hello (maxWindow), or not (a gateway of today). */
  maxWindow: number | null;
  /** The byte bound for clients without flow control (ODYSSEY_WS_MAX_PENDING_BYTES). */
  maxPendingBytes: number;
}

/** What the server saw of one client: what a test asserts on. */
export interface ClientStats {
  protocol: string;
  window: number | null;
  sent: number;
  acked: number;
  /** The largest sent − acked right after a send under flow control (never above the window). */
  maxInFlight: number;
  /** Frames not sent: held by the window, or skipped by the byte bound. */
  held: number;
  skipped: number;
  badAcks: number;
}

interface Client {
  socket: WebSocket;
  binary: boolean;
  dirty: Set<number>;
  needSnapshot: boolean;
  stats: ClientStats;
}

export class FleetTestServer {
  readonly fleet: DroneState[];
  readonly clients: ClientStats[] = [];
  private readonly live = new Set<Client>();
  private readonly wss: WebSocketServer;
  private timer: NodeJS.Timeout | null = null;
  private moving = true;
  /** Ticks of the fleet so far (each one moves every drone while moving). */
  ticks = 0;

  private constructor(private readonly options: ServerOptions, wss: WebSocketServer) {
    this.wss = wss;
    this.fleet = Array.from({ length: options.drones }, (_, i) => this.state(i + 1, 1));
    wss.on('connection', (socket) => this.accept(socket));
    this.timer = setInterval(() => this.tick(), options.tickMs);
  }

  static async start(options: Partial<ServerOptions> = {}): Promise<FleetTestServer> {
    const o: ServerOptions = { drones: 100, tickMs: 20, maxWindow: 64, maxPendingBytes: 1 << 20, ...options };
    const wss = new WebSocketServer({
      host: '127.0.0.1', port: 0,
      // The first of the client's subprotocols the server speaks, as the gateway picks.
      handleProtocols: (offered) => [...offered].find((p) => p === BINARY_PROTOCOL || p === JSON_PROTOCOL) ?? false,
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new FleetTestServer(o, wss);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/ws/fleet`;
  }

  /** Stops moving the fleet: clients then converge on the states now held. */
  stopMoving(): void {
    this.moving = false;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.live) c.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private state(id: number, seq: number): DroneState {
    const ns = BigInt(Date.now()) * 1_000_000n;
    return {
      id, seq, sentAtNs: ns - 3_000_000n, ingestNs: ns - 2_000_000n, gridNs: ns - 1_000_000n, gatewayNs: ns,
      lat: Math.fround(52 + id * 1e-4 + seq * 1e-6), lon: Math.fround(13 + id * 1e-4), alt: Math.fround(100), hdg: Math.fround((seq * 7) % 360),
      spd: Math.fround(12), climb: 0, bat: Math.fround(90), status: 'CRUISING', flags: 0, node: id % NODES.length,
    };
  }

  private accept(socket: WebSocket): void {
    const stats: ClientStats = { protocol: socket.protocol, window: null, sent: 0, acked: 0, maxInFlight: 0, held: 0, skipped: 0, badAcks: 0 };
    const client: Client = { socket, binary: socket.protocol === BINARY_PROTOCOL, dirty: new Set(), needSnapshot: true, stats };
    this.clients.push(stats);
    this.live.add(client);
    const flow = this.options.maxWindow === null ? {} : { flow: { maxWindow: this.options.maxWindow } };
    socket.send(JSON.stringify({ type: 'hello', protocol: 1, coalesceMs: this.options.tickMs, serverTimeMs: Date.now(), ...flow }));
    if (client.binary) socket.send(JSON.stringify({ type: 'nodes', nodes: NODES }));
    socket.on('message', (data, isBinary) => this.onClientMessage(client, isBinary ? null : data.toString()));
    socket.on('close', () => this.live.delete(client));
    this.trySend(client);
  }

  private onClientMessage(client: Client, text: string | null): void {
    const m = text === null ? null : (JSON.parse(text) as { type?: string; window?: number; frame?: number; bbox?: unknown });
    if (m?.type === 'flow' && this.options.maxWindow !== null && Number.isInteger(m.window) && m.window! >= 1 && m.window! <= this.options.maxWindow) {
      client.stats.window = m.window!;
    } else if (m?.type === 'ack') {
      if (!Number.isInteger(m.frame) || m.frame! < 1 || m.frame! > client.stats.sent) client.stats.badAcks++;
      else client.stats.acked = Math.max(client.stats.acked, m.frame!);
      this.trySend(client);
    } else if (m?.type === 'subscribe') {
      client.needSnapshot = true;
      this.trySend(client);
    } else if (m?.type === 'ping') {
      client.socket.send(JSON.stringify({ type: 'pong', serverTimeMs: Date.now() }));
    }
  }

  private tick(): void {
    if (this.moving) {
      this.ticks++;
      for (let i = 0; i < this.fleet.length; i++) this.fleet[i] = this.state(this.fleet[i].id, this.fleet[i].seq + 1);
      for (const c of this.live) for (const d of this.fleet) c.dirty.add(d.id);
    }
    for (const c of this.live) this.trySend(c);
  }

  private trySend(client: Client): void {
    const s = client.stats;
    if (!client.needSnapshot && client.dirty.size === 0) return;
    if (s.window !== null) {
      if (s.sent - s.acked >= s.window) {
        s.held++;
        return;
      }
    } else if (client.socket.bufferedAmount > this.options.maxPendingBytes) {
      s.skipped++;
      return;
    }
    const snapshot = client.needSnapshot;
    const drones = snapshot ? this.fleet : this.fleet.filter((d) => client.dirty.has(d.id));
    client.needSnapshot = false;
    client.dirty.clear();
    const frame = ++s.sent;
    if (client.binary) {
      client.socket.send(encodeFrame({
        frameType: snapshot ? FRAME_SNAPSHOT : FRAME_CHANGES, frame, frameTimeNs: BigInt(Date.now()) * 1_000_000n, drones, removed: [],
      }));
    } else {
      const wire = drones.map((d) => ({
        id: d.id, seq: d.seq, sentAtNs: String(d.sentAtNs), ingestNs: String(d.ingestNs), gridNs: String(d.gridNs),
        gatewayNs: String(d.gatewayNs), lat: d.lat, lon: d.lon, alt: d.alt, hdg: d.hdg, spd: d.spd, climb: d.climb, bat: d.bat,
        status: d.status, flags: d.flags, node: NODES[d.node],
      }));
      client.socket.send(JSON.stringify(snapshot ? { type: 'snapshot', drones: wire, bbox: null, frame } : { type: 'changes', drones: wire, removed: [], frame }));
    }
    // Frames sent before the client's `flow` arrived are not under its window (the spec allows them).
    if (s.window !== null) s.maxInFlight = Math.max(s.maxInFlight, s.sent - s.acked);
  }
}
