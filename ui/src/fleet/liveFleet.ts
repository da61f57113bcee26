// The fleet worker where the browser can draw WebGL2 on an OffscreenCanvas (Chromium, Firefox 105+, Safari 17+): it
// owns the fleet link's WebSocket, decodes each message straight into its columns, acknowledges each frame to the
// gateway as soon as it is decoded, and draws the drones from those columns on the overlay canvas the page transferred
// to it (droneRenderer.ts). The page's main thread is then out of the drones' path: a busy page (a click's render, a
// long layout, the map's own frame) delays neither the acks, nor the drawing, nor the canvas's read-back for a
// software compositor. The page gets from here what it shows besides the map: its copy of the fleet for the table and
// panels (one sync packet at a time, the next only after it applied the last and at most every PAGE_SYNC_MS), the
// alerts (riding on those packets, never one message each), the link's state, and what the last frame drew. It sends
// the camera, the selection, history mode's "hidden" and picking questions as small messages.
//
// The logic is here, the worker's entry point in liveFleet.worker.ts; the socket, clock and animation frames are
// injected, so the link and the page's packets are unit-tested against a real WebSocket server in Node.
import { ActiveAlerts } from '../activeAlerts';
import { FleetConnection, type FleetTarget, type LinkOptions } from '../connection';
import type { Camera } from '../mapCamera';
import {
  choosePainter, DroneRenderer, WORKER_DRONE_FRAME_MS, WORKER_FRAME_SHARE, type DronePainterChoice, type DronePainterKind, type DrawnFrame, type LiveFleet,
  type RenderHost,
} from '../droneRenderer';
import type { BBox } from '../geo';
import type { LinkState } from '../link';
import type { Alert, AlertChange } from '../protocol';
import { DecoderCore, type FleetDecoder } from './decoder';
import type { SyncPacket } from './ingest';

/**
 * The page gets a packet at most this often (ms): it shows the fleet in the table and panels, which refresh twice a
 * second, and the map no longer reads it. Between packets the worker keeps the newest state per drone: no queue.
 */
export const PAGE_SYNC_MS = 250;
/** At most this many alert changes wait for the page; beyond that it gets the whole list of active alerts once. */
export const MAX_ALERT_CHANGES = 1000;
/** What the last frame drew reaches the page at most this often, or at once when the selection or the rings changed. */
const DRAWN_REPORT_MS = 250;
/** Drawn-age and drawn-staleness samples waiting for the page are bounded (each kind; the newest beyond are not sent). */
const MAX_AGE_SAMPLES = 8192;

/** Samples (ms) waiting for the page, bounded by MAX_AGE_SAMPLES. */
class AgeSamples {
  private values = new Float64Array(0);
  private count = 0;

  add(samples: Float64Array, n: number): void {
    if (this.values.length < MAX_AGE_SAMPLES) this.values = new Float64Array(MAX_AGE_SAMPLES); // once, on first use
    const room = Math.min(n, MAX_AGE_SAMPLES - this.count);
    this.values.set(samples.subarray(0, room), this.count);
    this.count += room;
  }

  /** The samples waiting (a copy, to transfer), or null when none; empties the batch. */
  take(): Float64Array | null {
    const taken = this.count > 0 ? this.values.slice(0, this.count) : null;
    this.count = 0;
    return taken;
  }

  clear(): void {
    this.count = 0;
  }
}

export type { AlertChange } from '../protocol';

/** Messages from the page to the fleet worker. */
export type ToLiveWorker =
  | { kind: 'open'; session: number; url: string; protocols: string[] }
  | { kind: 'subscribe'; bbox: BBox | null }
  | { kind: 'reconnect' }
  | { kind: 'dropSocket' }
  | { kind: 'close' }
  | { kind: 'synced' }
  | { kind: 'canvas'; canvas: OffscreenCanvas; width: number; height: number; dpr: number; painter: DronePainterChoice }
  | { kind: 'resize'; width: number; height: number; dpr: number }
  | { kind: 'camera'; camera: Camera }
  | { kind: 'select'; id: number | null; many: number[] }
  | { kind: 'hidden'; hidden: boolean }
  | { kind: 'measure'; on: boolean }
  | { kind: 'pick'; ask: number; x: number; y: number; radius: number };

/** What the link is, for the page's stand-in (connection.ts's FleetLink). */
export interface LinkFacts {
  encoding: 'json' | 'binary' | null;
  flow: boolean;
}

/** Messages from the fleet worker to the page. */
export type FromLiveWorker =
  | { kind: 'state'; session: number; state: LinkState; link: LinkFacts }
  | { kind: 'error'; session: number; text: string }
  | { kind: 'refused'; session: number }
  | {
    kind: 'sync'; session: number; packet: SyncPacket; link: LinkFacts;
    /** The whole list of active alerts when it was replaced (first), then the changes since. */
    alerts: Alert[] | null; alertChanges: AlertChange[];
  }
  | {
    kind: 'drawn'; drawn: DrawnFrame; painter: DronePainterKind; frameCostMs: number;
    /** Drawn age per state and drawn staleness per frame, ms, since the last report, while measuring (droneRenderer.ts). */
    ages: Float64Array | null; staleness: Float64Array | null;
  }
  | { kind: 'picked'; ask: number; id: number | null };

/** What the worker runs on: its animation frames and, for tests, the socket and clock of the link. */
export interface LiveFleetEnv {
  frames: RenderHost;
  link?: Partial<LinkOptions>;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

export class LiveFleetWorker implements LiveFleet {
  /** Bumped for every drone frame decoded: the renderer draws when it changed. */
  version = 0;
  private readonly alerts = new ActiveAlerts();
  private readonly core: DecoderCore;
  /** The link's decoder: decodes in place, then tells the link the frame is applied (it acks it at once). */
  private readonly decoder: FleetDecoder;
  private link: FleetConnection | null = null;
  private session = 0;
  private renderer: DroneRenderer | null = null;
  private alertList: Alert[] | null = null;
  private alertChanges: AlertChange[] = [];
  private lastDrawnReport = -Infinity;
  private readonly reported = { drones: -1, alertRings: -1, selected: null as number | null, multi: '' };
  private readonly ages = new AgeSamples();
  private readonly staleness = new AgeSamples();
  private measuring = false;

  constructor(private readonly post: (message: FromLiveWorker, transfer?: Transferable[]) => void, private readonly env: LiveFleetEnv) {
    const now = env.now ?? Date.now;
    const setTimer = env.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    let linkNumber = 0;
    let snapshots = 0;
    // Reused for every frame: the link reads its frame number, link and snapshot count, and applies nothing from it.
    const applied: SyncPacket & { link: number } = {
      reset: false, snapshots: 0, frame: 0, messages: 0, updates: 0, refused: 0, refusedReason: null, dropped: 0,
      removed: new Float64Array(0), rows: new Float64Array(0), count: 0, statusNames: [], statusNamesFrom: 0,
      nodeNames: [], nodeNamesFrom: 0, link: 0,
    };
    const decoder: FleetDecoder = {
      onControl: () => {},
      onSync: () => {},
      accept: (data) => {
        const result = this.core.accept(data);
        if (result.kind !== 'frame') return;
        this.version++;
        if (result.snapshot) snapshots++;
        applied.reset = result.snapshot;
        applied.snapshots = snapshots;
        applied.frame = result.frame;
        applied.link = linkNumber;
        decoder.onSync(applied);
      },
      newLink: () => {
        linkNumber++;
        this.core.newLink();
      },
      synced: () => {},
      close: () => {},
    };
    this.decoder = decoder;
    this.core = new DecoderCore(
      (message) => decoder.onControl(message),
      (packet) => this.sendPacket(packet),
      now,
      { minIntervalMs: PAGE_SYNC_MS, setTimer },
      () => this.alertList !== null || this.alertChanges.length > 0,
    );
  }

  get columns() {
    return this.core.ingest.columns;
  }

  get statuses() {
    return this.core.ingest.statuses;
  }

  get alertVersion(): number {
    return this.alerts.version;
  }

  alertedDrones(): Set<number> {
    return this.alerts.drones();
  }

  handle(m: ToLiveWorker): void {
    switch (m.kind) {
      case 'open': this.open(m.session, m.url, m.protocols); break;
      case 'subscribe': this.link?.subscribe(m.bbox); break;
      case 'reconnect': this.link?.reconnectNow(); break;
      case 'dropSocket': this.link?.socket?.close(); break;
      case 'close': this.closeLink(); break;
      case 'synced': this.core.synced(); break;
      case 'canvas': this.attachCanvas(m.canvas, m.width, m.height, m.dpr, m.painter); break;
      case 'resize': this.renderer?.resize(m.width, m.height, m.dpr); break;
      case 'camera': this.renderer?.setCamera(m.camera); break;
      case 'select': this.renderer?.select(m.id, m.many); break;
      case 'hidden': this.renderer?.setHidden(m.hidden); break;
      case 'measure':
        this.measuring = m.on;
        if (this.renderer) this.renderer.measureDrawnAge = m.on;
        this.ages.clear();
        this.staleness.clear();
        break;
      case 'pick': this.post({ kind: 'picked', ask: m.ask, id: this.renderer?.pick(m.x, m.y, m.radius) ?? null }); break;
      default: break;
    }
  }

  private open(session: number, url: string, protocols: string[]): void {
    this.closeLink();
    this.session = session;
    const target: FleetTarget = {
      applySync: () => 0, // decoded in place: the columns are what the renderer draws and what the page's packets carry
      applyAlerts: (list) => {
        this.alerts.replace(list);
        this.alertList = [...list];
        this.alertChanges = [];
      },
      applyAlert: (event, alert) => {
        this.alerts.apply(event, alert);
        if (this.alertChanges.length < MAX_ALERT_CHANGES) {
          this.alertChanges.push({ event, alert });
        } else {
          // A page that has not taken its packets for a long while gets the list as it is, not every change.
          this.alertList = [...this.alerts.byKey.values()];
          this.alertChanges = [];
        }
      },
    };
    const link = new FleetConnection(url, target, { ...this.env.link, protocols: () => protocols, createDecoder: () => this.decoder });
    this.link = link;
    link.onState = (state) => this.post({ kind: 'state', session, state, link: this.facts() });
    link.onServerError = (text) => this.post({ kind: 'error', session, text });
    link.onRefused = () => this.post({ kind: 'refused', session });
    link.start();
  }

  private closeLink(): void {
    const link = this.link;
    this.link = null;
    if (!link) return;
    link.onState = () => {};
    link.onServerError = () => {};
    link.onRefused = () => {};
    link.close();
  }

  private facts(): LinkFacts {
    return { encoding: this.link?.encoding ?? null, flow: this.link?.flowControl ?? false };
  }

  private sendPacket(packet: SyncPacket): void {
    const alerts = this.alertList;
    const alertChanges = this.alertChanges;
    this.alertList = null;
    this.alertChanges = [];
    this.post({ kind: 'sync', session: this.session, packet, link: this.facts(), alerts, alertChanges },
      [packet.rows.buffer, packet.removed.buffer]);
  }

  private attachCanvas(canvas: OffscreenCanvas, width: number, height: number, dpr: number, painter: DronePainterChoice): void {
    this.renderer?.stop();
    const renderer = new DroneRenderer(this, canvas, this.env.frames, WORKER_FRAME_SHARE, choosePainter(painter),
      WORKER_DRONE_FRAME_MS);
    renderer.resize(width, height, dpr);
    renderer.measureDrawnAge = this.measuring;
    renderer.onDrawn = () => this.reportDrawn(false);
    renderer.onCommitted = (ages, ageCount, staleness, stalenessCount) => {
      if (!this.measuring) return;
      this.ages.add(ages, ageCount);
      this.staleness.add(staleness, stalenessCount);
    };
    this.renderer = renderer;
    renderer.start();
  }

  /** Tells the page what the last frame drew: at once when it drew other drones or rings, else every DRAWN_REPORT_MS. */
  private reportDrawn(force: boolean): void {
    const renderer = this.renderer;
    if (!renderer) return;
    const d = renderer.drawn;
    const r = this.reported;
    const multi = d.multiSelected.join(',');
    const changed = d.drones !== r.drones || d.alertRings !== r.alertRings || d.selected !== r.selected || multi !== r.multi;
    const now = performance.now();
    if (!force && !changed && now - this.lastDrawnReport < DRAWN_REPORT_MS) return;
    this.lastDrawnReport = now;
    r.drones = d.drones;
    r.alertRings = d.alertRings;
    r.selected = d.selected;
    r.multi = multi;
    const ages = this.ages.take();
    const staleness = this.staleness.take();
    const transfer: Transferable[] = [];
    if (ages) transfer.push(ages.buffer);
    if (staleness) transfer.push(staleness.buffer);
    this.post({
      kind: 'drawn', drawn: { ...d, multiSelected: [...d.multiSelected] }, painter: renderer.painterKind, frameCostMs: renderer.pacer.frameCostMs,
      ages, staleness,
    }, transfer);
  }
}
