// The fleet worker's link (liveFleet.ts) and the page's side of it (liveFleetClient.ts), without a browser: the worker's
// logic against a real WebSocket server speaking binary and flow control (test/fleetTestServer.ts), the page's side
// wired to it through a stand-in for postMessage. What a user would notice: the drones the worker draws stay current
// and the gateway is acked while the page is busy, the page is never sent a queue, and the table's copy converges.
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { SocketLike } from '../connection';
import { FleetStore } from '../store';
import type { Alert } from '../protocol';
import { FleetTestServer, JSON_PROTOCOL } from '../test/fleetTestServer';
import { LiveFleetWorker, MAX_ALERT_CHANGES, type FromLiveWorker, type ToLiveWorker } from './liveFleet';
import { LiveFleetClient, type WorkerLike } from './liveFleetClient';

const WAIT = { timeout: 20_000, interval: 20 };
const createSocket = (url: string, protocols: string[]) => new WebSocket(url, protocols) as unknown as SocketLike;
const NO_FRAMES = { requestFrame: () => 0, cancelFrame: () => {} };

function alert(id: number): Alert {
  return { key: `LOW_BATTERY:${id}`, alertType: 'LOW_BATTERY', droneId: id, raisedAt: '2026-12-06T10:00:00Z', value: 12, node: 'ingest-1' };
}

/** A socket the test drives: opens on demand, delivers the messages it is given. */
class ScriptedSocket implements SocketLike {
  readyState = 0;
  protocol = JSON_PROTOCOL;
  binaryType = 'arraybuffer';
  sent: string[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  deliver(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {
    this.readyState = 3;
  }
}

describe('the fleet worker', () => {
  let server: FleetTestServer | null = null;
  let worker: LiveFleetWorker | null = null;
  afterEach(async () => {
    worker?.handle({ kind: 'close' });
    await server?.close();
    server = null;
    worker = null;
  });

  it('acks each frame as it decodes it and keeps the newest fleet while the page takes nothing', async () => {
    server = await FleetTestServer.start({ drones: 400, tickMs: 10, maxWindow: 64 });
    const toPage: FromLiveWorker[] = [];
    worker = new LiveFleetWorker((m) => toPage.push(m), { frames: NO_FRAMES, link: { createSocket } });
    worker.handle({ kind: 'open', session: 1, url: server.url, protocols: [JSON_PROTOCOL] });
    // The page never says it applied a packet: the gateway is acked all the same, within the window.
    await vi.waitFor(() => expect(server!.clients[0]?.acked).toBeGreaterThan(50), WAIT);
    const seen = server.clients[0];
    expect(seen.window).toBe(2);
    expect(seen.maxInFlight).toBeLessThanOrEqual(2);
    expect(seen.badAcks).toBe(0);
    // ...and it drew from states as new as the gateway's: the worker's columns converge on the fleet.
    server.stopMoving();
    await vi.waitFor(() => {
      for (const d of server!.fleet) expect(worker!.columns.seq[worker!.columns.slotOf(d.id)]).toBe(d.seq);
    }, WAIT);
    // The page was sent one packet and nothing more until it applies it: no queue.
    expect(toPage.filter((m) => m.kind === 'sync')).toHaveLength(1);
    const live = toPage.filter((m) => m.kind === 'state').map((m) => (m.kind === 'state' ? m.state.kind : ''));
    expect(live).toContain('live');
  });

  it('hands the page alerts on its packets, and the whole list instead of an unbounded backlog of changes', () => {
    const sockets: ScriptedSocket[] = [];
    const toPage: FromLiveWorker[] = [];
    let now = 0;
    worker = new LiveFleetWorker((m) => toPage.push(m), {
      frames: NO_FRAMES,
      now: () => now,
      setTimer: () => 0, // the page's packets are paced: the test moves the clock instead
      link: {
        createSocket: () => {
          const s = new ScriptedSocket();
          sockets.push(s);
          return s;
        },
        now: () => now, setTimer: () => 0, clearTimer: () => {},
      },
    });
    worker.handle({ kind: 'open', session: 7, url: 'ws://x/ws/fleet', protocols: [JSON_PROTOCOL] });
    const socket = sockets[0];
    socket.open();
    socket.deliver({ type: 'hello', flow: { maxWindow: 8 } });
    socket.deliver({ type: 'alerts', active: [alert(1), alert(2)] });
    socket.deliver({ type: 'snapshot', frame: 1, drones: [{ id: 1, seq: 1, lat: 1, lon: 1, status: 'CRUISING', sentAtNs: 1e15 }] });
    // The first packet went at once (alerts and snapshot in it, one message), acked at once.
    const first = toPage.filter((m) => m.kind === 'sync');
    expect(first).toHaveLength(1);
    expect(socket.sent).toContain(JSON.stringify({ type: 'ack', frame: 1 }));
    // While the page is applying it, alert changes wait; the worker's rings do not.
    for (let i = 0; i < 3; i++) socket.deliver({ type: 'alert', event: 'raised', alert: alert(10 + i) });
    expect([...worker.alertedDrones()].sort((a, b) => a - b)).toEqual([1, 2, 10, 11, 12]);
    expect(toPage.filter((m) => m.kind === 'sync')).toHaveLength(1);
    now += 1000;
    worker.handle({ kind: 'synced' });
    const second = toPage.filter((m) => m.kind === 'sync')[1];
    expect(second?.kind === 'sync' && second.alertChanges.map((c) => c.alert.droneId)).toEqual([10, 11, 12]);
    // A dashboard's gateway sends a tick's raises and clears as one message: applied in order, raise then clear.
    socket.deliver({
      type: 'alertChanges',
      changes: [
        { event: 'raised', alert: alert(20) }, { event: 'raised', alert: alert(21) }, { event: 'cleared', alert: alert(20) },
        { event: 'cleared', alert: alert(10) },
      ],
    });
    expect([...worker.alertedDrones()].sort((a, b) => a - b)).toEqual([1, 2, 11, 12, 21]);
    now += 1000;
    worker.handle({ kind: 'synced' });
    const batched = toPage.filter((m) => m.kind === 'sync')[2];
    if (batched?.kind !== 'sync') throw new Error('no packet with the batched changes');
    expect(batched.alertChanges.map((c) => `${c.event} ${c.alert.droneId}`))
      .toEqual(['raised 20', 'raised 21', 'cleared 20', 'cleared 10']);
    // A page that takes nothing for long gets the active list once, not every change.
    for (let i = 0; i < MAX_ALERT_CHANGES + 5; i++) socket.deliver({ type: 'alert', event: 'raised', alert: alert(1000 + i) });
    now += 1000;
    worker.handle({ kind: 'synced' });
    const third = toPage.filter((m) => m.kind === 'sync')[3];
    if (third?.kind !== 'sync') throw new Error('no third packet');
    expect(third.alertChanges.length).toBeLessThan(5);
    // Applied in order (the list, then the changes), the page holds every active alert.
    const store = new FleetStore();
    store.applyAlerts(third.alerts ?? []);
    for (const change of third.alertChanges) store.applyAlert(change.event, change.alert);
    expect(store.alerts.size).toBe(5 + MAX_ALERT_CHANGES + 5);
  });
});

describe('the page with the fleet worker', () => {
  let server: FleetTestServer | null = null;
  let client: LiveFleetClient | null = null;
  afterEach(async () => {
    client?.close();
    await server?.close();
    server = null;
    client = null;
  });

  it('gets the fleet into its store, the link state and one first snapshot, and the worker acks for it', async () => {
    server = await FleetTestServer.start({ drones: 300, tickMs: 20, maxWindow: 64 });
    // The worker and the page in one thread, messages delivered as tasks (as postMessage does).
    let inWorker: LiveFleetWorker | null = null;
    const fake: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage: (m: ToLiveWorker) => setTimeout(() => inWorker?.handle(m), 0),
      terminate: () => inWorker?.handle({ kind: 'close' }),
    };
    inWorker = new LiveFleetWorker((m) => setTimeout(() => fake.onmessage?.({ data: m } as MessageEvent<FromLiveWorker>), 0),
      { frames: NO_FRAMES, link: { createSocket } });
    const store = new FleetStore();
    client = new LiveFleetClient(store, fake);
    const connection = client.connect(server.url, [JSON_PROTOCOL]);
    const snapshots: boolean[] = [];
    const states: string[] = [];
    connection.onSnapshot = (first) => snapshots.push(first);
    connection.onState = (s) => states.push(s.kind);
    connection.start();
    await vi.waitFor(() => expect(server!.clients[0]?.acked).toBeGreaterThan(20), WAIT);
    expect(states).toContain('live');
    expect(connection.encoding).toBe('binary');
    server.stopMoving();
    await vi.waitFor(() => {
      expect(store.drones.size).toBe(server!.fleet.length);
      for (const d of server!.fleet) expect(store.drones.get(d.id)?.seq).toBe(d.seq);
    }, WAIT);
    expect(snapshots).toEqual([true]);
    expect(connection.flowControl).toBe(true);
    // The page's "close the socket" (the browser test's reconnect check) makes the worker's link reconnect.
    connection.socket?.close();
    await vi.waitFor(() => expect(server!.clients.length).toBe(2), WAIT);
    await vi.waitFor(() => expect(connection.state.kind).toBe('live'), WAIT);
  });
});
