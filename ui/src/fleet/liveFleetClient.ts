// The page's side of the fleet worker (liveFleet.ts), where the browser can draw WebGL2 on an OffscreenCanvas: one
// worker for the page's life, holding the fleet link and drawing the drones. `connect` gives the page a stand-in for
// the link (FleetLink, as FleetConnection is on the main thread); the drone overlay hands it its canvas, the camera,
// the selection and picking questions. What the worker sends back goes into the page's store (its copy of the fleet and
// the alerts, for the table and panels) and into `drawn`, `drawnAges` and `drawnStaleness` (what the map shows, for
// the browser test and the bench). Where OffscreenCanvas with WebGL2 is missing, `LiveFleetClient.create` returns null
// and the page runs the link and the drawing itself, as before (connection.ts, droneOverlay.ts).
import type { FleetLink, LinkState } from '../connection';
import type { Camera } from '../mapCamera';
import { offscreenWebGl2, painterChoice, type DronePainterKind, type DrawnFrame } from '../droneRenderer';
import { sameBox, type BBox } from '../geo';
import { SampleWindow } from '../stats';
import type { FleetStore } from '../store';
import type { FromLiveWorker, LinkFacts, ToLiveWorker } from './liveFleet';

/** The part of a Worker the client uses (a fake in unit tests). */
export interface WorkerLike {
  postMessage(message: ToLiveWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<FromLiveWorker>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

/** A pick the worker has not answered within this long is answered "nothing" (the click selects nothing). */
const PICK_TIMEOUT_MS = 2000;

export class LiveFleetClient {
  /** What the worker's last frame drew (reported at most every 250 ms, at once when drones or rings changed). */
  readonly drawn: DrawnFrame = { frames: 0, drones: 0, alertRings: 0, selected: null, multiSelected: [] };
  /** Drawn age per state, as the worker measured it at each sampled frame's commit, while measuring (droneRenderer.ts). */
  readonly drawnAges = new SampleWindow(16384);
  /** Drawn staleness per frame, likewise. */
  readonly drawnStaleness = new SampleWindow(16384);
  /** The worker's recent cost of a drone frame, ms. */
  frameCostMs = 0;
  /** How the worker paints the drones (known after its first frame). */
  painter: DronePainterKind | null = null;
  private connection: WorkerFleetConnection | null = null;
  private session = 0;
  private ask = 0;
  private readonly asks = new Map<number, (id: number | null) => void>();

  /** The worker where the browser can draw in it, else null. */
  static create(store: FleetStore): LiveFleetClient | null {
    if (!offscreenWebGl2()) return null;
    const worker = new Worker(new URL('./liveFleet.worker.ts', import.meta.url), { type: 'module', name: 'odyssey-fleet' });
    return new LiveFleetClient(store, worker as unknown as WorkerLike);
  }

  constructor(private readonly store: FleetStore, private readonly worker: WorkerLike) {
    worker.onmessage = (event) => this.receive(event.data);
    worker.onerror = (event) => console.error('fleet worker failed:', event.message);
  }

  /** A fleet link in the worker (closing the one before, if any). */
  connect(url: string, protocols: string[]): WorkerFleetConnection {
    this.connection?.close();
    const connection = new WorkerFleetConnection(this, ++this.session, url, protocols);
    this.connection = connection;
    return connection;
  }

  send(message: ToLiveWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  /** Hands the worker the overlay's canvas (once: a canvas can be transferred one time). */
  attachCanvas(canvas: HTMLCanvasElement, width: number, height: number, dpr: number): void {
    const offscreen = canvas.transferControlToOffscreen();
    const painter = painterChoice(typeof location === 'undefined' ? '' : location.search);
    this.send({ kind: 'canvas', canvas: offscreen, width, height, dpr, painter }, [offscreen]);
  }

  camera(camera: Camera): void {
    this.send({ kind: 'camera', camera: { ...camera } });
  }

  /** The drone the worker's last frame drew nearest to a point (CSS px on the map's canvas), within `radius` px. */
  pick(x: number, y: number, radius: number): Promise<number | null> {
    const ask = ++this.ask;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(ask, null), PICK_TIMEOUT_MS);
      this.asks.set(ask, (id) => {
        clearTimeout(timer);
        resolve(id);
      });
      this.send({ kind: 'pick', ask, x, y, radius });
    });
  }

  close(): void {
    this.connection?.close();
    this.worker.terminate();
    for (const ask of [...this.asks.keys()]) this.answer(ask, null);
  }

  /** The connection `session` was closed by the page: the worker closes its link. */
  closed(connection: WorkerFleetConnection): void {
    if (this.connection !== connection) return;
    this.connection = null;
    this.send({ kind: 'close' });
  }

  private answer(ask: number, id: number | null): void {
    const resolve = this.asks.get(ask);
    this.asks.delete(ask);
    resolve?.(id);
  }

  private receive(m: FromLiveWorker): void {
    switch (m.kind) {
      case 'sync': {
        // The fleet for the table and panels, whichever link it came on (a snapshot of a new link resets it).
        const store = this.store;
        if (m.alerts) store.applyAlerts(m.alerts);
        for (const change of m.alertChanges) store.applyAlert(change.event, change.alert);
        store.applySync(m.packet, Date.now());
        this.send({ kind: 'synced' });
        if (this.connection?.session === m.session) this.connection.synced(m.packet.reset, m.packet.snapshots, m.packet.refusedReason, m.link);
        break;
      }
      case 'state':
        if (this.connection?.session === m.session) this.connection.stateChanged(m.state, m.link);
        break;
      case 'error':
        if (this.connection?.session === m.session) this.connection.serverError(m.text);
        break;
      case 'refused':
        if (this.connection?.session === m.session) this.connection.onRefused();
        break;
      case 'drawn': {
        const d = this.drawn;
        d.frames = m.drawn.frames;
        d.drones = m.drawn.drones;
        d.alertRings = m.drawn.alertRings;
        d.selected = m.drawn.selected;
        d.multiSelected = m.drawn.multiSelected;
        this.frameCostMs = m.frameCostMs;
        this.painter = m.painter;
        const now = Date.now();
        if (m.ages) for (const age of m.ages) this.drawnAges.add(age, now);
        if (m.staleness) for (const age of m.staleness) this.drawnStaleness.add(age, now);
        break;
      }
      case 'picked':
        this.answer(m.ask, m.id);
        break;
      default:
        break;
    }
  }
}

/** The page's stand-in for the fleet link that runs in the worker. */
export class WorkerFleetConnection implements FleetLink {
  lastError: string | null = null;
  onState: (state: LinkState) => void = () => {};
  onSnapshot: (first: boolean) => void = () => {};
  onServerError: (text: string) => void = () => {};
  onRefused: () => void = () => {};
  private latest: LinkState = { kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' };
  private facts: LinkFacts = { encoding: null, flow: false };
  private wanted: BBox | null = null;
  private started = false;
  private closedNow = false;
  private snapshotsApplied = 0;
  private firstSnapshotSeen = false;

  constructor(private readonly client: LiveFleetClient, readonly session: number, private readonly url: string,
    private readonly protocols: string[]) {}

  get state(): LinkState {
    return this.latest;
  }

  /** Closing it drops the worker's socket (the link reconnects), as closing FleetConnection's socket does. */
  get socket(): { close: () => void } | null {
    return this.latest.kind === 'live' ? { close: () => this.client.send({ kind: 'dropSocket' }) } : null;
  }

  get subscription(): BBox | null {
    return this.wanted;
  }

  get encoding(): 'json' | 'binary' | null {
    return this.facts.encoding;
  }

  get flowControl(): boolean {
    return this.facts.flow;
  }

  start(): void {
    if (this.started || this.closedNow) return;
    this.started = true;
    this.client.send({ kind: 'open', session: this.session, url: this.url, protocols: this.protocols });
    if (this.wanted !== null) this.client.send({ kind: 'subscribe', bbox: this.wanted });
  }

  subscribe(bbox: BBox | null): void {
    if (sameBox(bbox, this.wanted) && this.started) return;
    this.wanted = bbox;
    if (this.started && !this.closedNow) this.client.send({ kind: 'subscribe', bbox });
  }

  reconnectNow(): void {
    if (this.started && !this.closedNow) this.client.send({ kind: 'reconnect' });
  }

  close(): void {
    if (this.closedNow) return;
    this.closedNow = true;
    this.client.closed(this);
  }

  stateChanged(state: LinkState, facts: LinkFacts): void {
    this.latest = state;
    this.facts = facts;
    this.onState(state);
  }

  serverError(text: string): void {
    this.lastError = text;
    this.onServerError(text);
  }

  /** A packet of this link was applied to the page's store. */
  synced(reset: boolean, snapshots: number, refusedReason: string | null, facts: LinkFacts): void {
    this.facts = facts;
    if (refusedReason) this.serverError(`refused a binary frame: ${refusedReason}`);
    if (reset && snapshots > this.snapshotsApplied) {
      this.snapshotsApplied = snapshots;
      const first = !this.firstSnapshotSeen;
      this.firstSnapshotSeen = true;
      this.onSnapshot(first);
    }
  }
}
