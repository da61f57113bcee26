// Where the fleet link's messages are decoded: in a Web Worker in the browser (WorkerDecoder), so JSON parsing and
// binary decoding never take the page's main thread, or on the calling thread (InlineDecoder: the unit tests, and a
// browser without workers). Both run the same FleetIngest and hand the page one sync packet at a time: the next only
// after the page said it applied the last (`synced`), so a busy page is never sent a queue, only the newest state.
import type { ServerMessage } from '../protocol';
import { FleetIngest, type IngestResult, type SyncPacket } from './ingest';

export interface FleetDecoder {
  /** A message of the link, as the socket delivered it. */
  accept(data: string | ArrayBuffer): void;
  /** The link was (re)opened: packets after this carry the new link's number (acks must not cross links). */
  newLink(): void;
  /** The page applied the last packet; the next may come. */
  synced(): void;
  close(): void;
  /** Messages other than drone frames (hello, alerts, alert, alertChanges, error, pong). */
  onControl: (message: ServerMessage) => void;
  onSync: (packet: SyncPacket & { link: number }) => void;
}

/**
 * The browser's decoder hands the page a packet at most this often (ms). The page applies each packet in a task of its
 * main thread and only then acknowledges the gateway's frames: handing it the next packet as soon as it applied one
 * kept its main thread always busy with the fleet (at 1,000 drones, a packet per task back to back), so clicks and
 * frames waited behind packets. Between two packets the worker keeps the newest state per drone, so nothing queues;
 * 100 ms is the simulator's telemetry interval, and motion glides between states (fleet/motion.ts).
 */
export const SYNC_MIN_INTERVAL_MS = 100;

/** When the decoder may hand the page the next packet, and its timer (injectable for tests). */
export interface SyncPacing {
  minIntervalMs: number;
  setTimer: (fn: () => void, ms: number) => unknown;
}

/** No pacing: a packet as soon as the page applied the last (the unit tests, and the inline decoder). */
const UNPACED: SyncPacing = { minIntervalMs: 0, setTimer: (fn, ms) => setTimeout(fn, ms) };

/** The decoder's logic, wherever it runs: ingest each message, then sync if the page is not still applying one. */
export class DecoderCore {
  readonly ingest = new FleetIngest();
  private link = 0;
  private awaitingSync = false;
  private lastSyncAt = -Infinity;
  private timerSet = false;

  constructor(
    private readonly emitControl: (message: ServerMessage) => void,
    private readonly emitSync: (packet: SyncPacket & { link: number }) => void,
    private readonly now: () => number = Date.now,
    private readonly pacing: SyncPacing = UNPACED,
    /** Something besides drones waits for the page (the fleet worker's alert changes ride on the next packet). */
    private readonly alsoPending: () => boolean = () => false,
  ) {}

  /** Decodes one message into the columns (what it was is returned), and hands the page a packet if one is due. */
  accept(data: string | ArrayBuffer): IngestResult {
    const result = this.ingest.accept(data, this.now());
    if (result.kind === 'control') this.emitControl(result.message);
    this.flush();
    return result;
  }

  newLink(): void {
    this.link++;
  }

  synced(): void {
    this.awaitingSync = false;
    this.flush();
  }

  private flush(): void {
    if (this.awaitingSync || this.timerSet || !(this.ingest.pending || this.alsoPending())) return;
    // Bounded by the interval, should the clock jump back.
    const wait = Math.min(this.lastSyncAt + this.pacing.minIntervalMs - this.now(), this.pacing.minIntervalMs);
    if (wait > 0) {
      this.timerSet = true;
      this.pacing.setTimer(() => {
        this.timerSet = false;
        this.flush();
      }, wait);
      return;
    }
    const packet = this.ingest.takeSync(true)!;
    this.awaitingSync = true;
    this.lastSyncAt = this.now();
    this.emitSync({ ...packet, link: this.link });
  }
}

/** Decodes on the calling thread. */
export class InlineDecoder implements FleetDecoder {
  onControl: (message: ServerMessage) => void = () => {};
  onSync: (packet: SyncPacket & { link: number }) => void = () => {};
  private readonly core: DecoderCore;

  constructor(now: () => number = Date.now) {
    this.core = new DecoderCore((m) => this.onControl(m), (p) => this.onSync(p), now);
  }

  accept(data: string | ArrayBuffer): void {
    this.core.accept(data);
  }

  newLink(): void {
    this.core.newLink();
  }

  synced(): void {
    this.core.synced();
  }

  close(): void {}
}

/** Messages between the page and the decoding worker (fleet.worker.ts). */
export type ToWorker = { kind: 'data'; data: string | ArrayBuffer } | { kind: 'newLink' } | { kind: 'synced' };
export type FromWorker = { kind: 'control'; message: ServerMessage } | { kind: 'sync'; packet: SyncPacket & { link: number } };

/** Decodes in a Web Worker; binary messages are transferred to it, not copied. */
export class WorkerDecoder implements FleetDecoder {
  onControl: (message: ServerMessage) => void = () => {};
  onSync: (packet: SyncPacket & { link: number }) => void = () => {};
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(new URL('./fleet.worker.ts', import.meta.url), { type: 'module', name: 'odyssey-fleet' });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const m = event.data;
      if (m.kind === 'control') this.onControl(m.message);
      else this.onSync(m.packet);
    };
    this.worker.onerror = (event) => console.error('fleet worker failed:', event.message);
  }

  accept(data: string | ArrayBuffer): void {
    const message: ToWorker = { kind: 'data', data };
    if (data instanceof ArrayBuffer) this.worker.postMessage(message, [data]);
    else this.worker.postMessage(message);
  }

  newLink(): void {
    this.worker.postMessage({ kind: 'newLink' } satisfies ToWorker);
  }

  synced(): void {
    this.worker.postMessage({ kind: 'synced' } satisfies ToWorker);
  }

  close(): void {
    this.worker.terminate();
  }
}

/** The worker where there is one (the browser), else the calling thread. */
export function defaultDecoder(): FleetDecoder {
  return typeof Worker === 'function' ? new WorkerDecoder() : new InlineDecoder();
}
