// The WebSocket link to the gateway (docs/api/websocket.md): connects offering the binary encoding before JSON,
// subscribes to a bounding box, hands every message to the fleet decoder (a Web Worker in the browser) and applies
// what it decoded to the store, acknowledges applied frames when the gateway does flow control, keeps the link alive
// with pings, and reconnects with capped exponential back-off (the socket's lifecycle is link.ts's
// ReconnectingSocket). The socket, decoder, clock and timers are injectable so the link is unit-tested without a
// browser.
import { defaultDecoder, type FleetDecoder } from './fleet/decoder';
import type { SyncPacket } from './fleet/ingest';
import { sameBox, type BBox } from './geo';
import { DEFAULT_RECONNECT_OPTIONS, ReconnectingSocket, type LinkState, type ReconnectOptions, type SocketLike } from './link';
import { ackMessage, flowMessage, PING_MESSAGE, subscribeMessage, type ServerMessage } from './protocol';
import type { FleetStore } from './store';
import { BINARY_PROTOCOL } from './wire/binary';

export { detach, type LinkState, type SocketLike } from './link';

export interface LinkOptions extends ReconnectOptions {
  /** Send a ping this often while live... */
  pingIntervalMs: number;
  /** ...and drop the link when nothing at all has arrived for this long. */
  idleTimeoutMs: number;
  /** Frames in flight the client allows when the gateway does flow control (docs/api/websocket.md). */
  flowWindow: number;
  /** Offer odyssey.bin.v1 before odyssey.v1 (the gateway picks). */
  binary: boolean;
  createDecoder: () => FleetDecoder;
}

const OPEN = 1;

export const DEFAULT_LINK_OPTIONS: LinkOptions = {
  ...DEFAULT_RECONNECT_OPTIONS,
  pingIntervalMs: 10_000,
  idleTimeoutMs: 35_000,
  flowWindow: 2,
  binary: true,
  createDecoder: defaultDecoder,
};

/** Where the link puts what it decoded: the page's store, or (in the fleet worker) the worker's own view of the fleet. */
export type FleetTarget = Pick<FleetStore, 'applySync' | 'applyAlerts' | 'applyAlert'>;

/**
 * The fleet link as the page uses it: this class on the page's main thread, or its stand-in for the link that runs in
 * the fleet worker (fleet/liveFleetClient.ts, where OffscreenCanvas lets the worker draw the drones).
 */
export interface FleetLink {
  readonly lastError: string | null;
  onState: (state: LinkState) => void;
  onSnapshot: (first: boolean) => void;
  onServerError: (text: string) => void;
  onRefused: () => void;
  readonly state: LinkState;
  /** The socket in use, for diagnostics and the browser test (closing it makes the link reconnect). */
  readonly socket: Pick<SocketLike, 'close'> | null;
  readonly subscription: BBox | null;
  readonly encoding: 'json' | 'binary' | null;
  readonly flowControl: boolean;
  start(): void;
  subscribe(bbox: BBox | null): void;
  reconnectNow(): void;
  close(): void;
}

export class FleetConnection implements FleetLink {
  /** The last `error` message the gateway sent, if any. */
  lastError: string | null = null;
  onState: (state: LinkState) => void = () => {};
  /** After each snapshot has been applied to the store; `first` for the very first one of this page. */
  onSnapshot: (first: boolean) => void = () => {};
  onServerError: (text: string) => void = () => {};
  /** The socket closed before it opened (a refused handshake gives the browser no status): see link.ts. */
  onRefused: () => void = () => {};

  private readonly options: LinkOptions;
  private readonly link: ReconnectingSocket;
  private readonly decoder: FleetDecoder;
  private firstSnapshotSeen = false;
  private snapshotsApplied = 0;
  private wanted: BBox | null = null;
  /** What this socket's subscription is (the gateway's default on connect is the whole fleet). */
  private subscribed: BBox | null = null;
  private lastMessageMs = 0;
  private pingTimer: unknown = null;
  /** This socket's number at the decoder, whether the gateway does flow control on it, and the last frame acked. */
  private linkNumber = 0;
  private flow = false;
  private acked = 0;
  private encodingInUse: 'json' | 'binary' | null = null;

  constructor(url: string, private readonly store: FleetTarget, options: Partial<LinkOptions> = {}) {
    this.options = { ...DEFAULT_LINK_OPTIONS, ...options };
    const protocols = this.options.protocols;
    this.link = new ReconnectingSocket(url, {
      ...this.options,
      protocols: () => (this.options.binary ? [BINARY_PROTOCOL, ...protocols()] : protocols()),
    }, {
      onState: (state) => this.onLinkState(state),
      onOpen: (socket) => this.onOpen(socket),
      onMessage: (data) => this.onMessage(data),
      onRefused: () => this.onRefused(),
    });
    this.decoder = this.options.createDecoder();
    this.decoder.onControl = (message) => this.onControl(message);
    this.decoder.onSync = (packet) => this.onSync(packet);
  }

  get state(): LinkState {
    return this.link.state;
  }

  /** The socket in use (for diagnostics and tests). */
  get socket(): SocketLike | null {
    return this.link.socket;
  }

  get subscription(): BBox | null {
    return this.wanted;
  }

  /** What the gateway chose for this socket (null before it opened): binary drone frames, or JSON. */
  get encoding(): 'json' | 'binary' | null {
    return this.encodingInUse;
  }

  /** Whether the gateway does flow control on this socket (it announced it and we opted in). */
  get flowControl(): boolean {
    return this.flow;
  }

  start(): void {
    this.link.start();
  }

  /** Only drones inside the box from now on (null: the whole fleet). Sent at once if live, else on connecting. */
  subscribe(bbox: BBox | null): void {
    this.wanted = bbox;
    if (this.link.socket?.readyState === OPEN && !sameBox(bbox, this.subscribed)) this.sendSubscribe();
  }

  /** Drop the link and connect again straight away. */
  reconnectNow(): void {
    this.link.drop('reconnect requested', 0);
  }

  close(): void {
    this.stopPinging();
    this.link.close();
    this.decoder.close();
  }

  private onLinkState(state: LinkState): void {
    if (state.kind === 'live') this.lastMessageMs = state.sinceMs; // opening counts as hearing from the gateway
    else this.stopPinging(); // pings belong to an open socket
    this.onState(state);
  }

  private onOpen(socket: SocketLike): void {
    this.subscribed = null;
    this.flow = false;
    this.acked = 0;
    this.linkNumber++;
    this.decoder.newLink();
    this.encodingInUse = socket.protocol === BINARY_PROTOCOL ? 'binary' : 'json';
    if (this.wanted !== null) this.sendSubscribe();
    this.schedulePing();
  }

  private onMessage(data: string | ArrayBuffer): void {
    this.lastMessageMs = this.options.now();
    this.decoder.accept(data);
  }

  /** What the decoder made of everything but drone frames. */
  private onControl(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        // Flow control only with a gateway that announced it: another would answer every ack with an error.
        if (message.flow && this.options.flowWindow > 0) {
          this.flow = true;
          this.send(flowMessage(Math.min(this.options.flowWindow, message.flow.maxWindow)));
        }
        break;
      case 'alerts':
        this.store.applyAlerts(message.active);
        break;
      case 'alert':
        this.store.applyAlert(message.event, message.alert);
        break;
      case 'alertChanges':
        // One tick's raises and clears, in the order the gateway saw them.
        for (const change of message.changes) this.store.applyAlert(change.event, change.alert);
        break;
      case 'error':
        this.lastError = `${message.code}: ${message.message}`;
        this.onServerError(this.lastError);
        break;
      default:
        break; // pong: liveness only
    }
  }

  /** The decoder's newest states: applied to the store, then acknowledged (the gateway may send the next frame). */
  private onSync(packet: SyncPacket & { link: number }): void {
    this.store.applySync(packet, this.options.now());
    this.decoder.synced();
    if (packet.refusedReason) {
      this.lastError = `refused a binary frame: ${packet.refusedReason}`;
      this.onServerError(this.lastError);
    }
    if (packet.snapshots > this.snapshotsApplied && packet.reset) {
      this.snapshotsApplied = packet.snapshots;
      this.link.markHealthy();
      const first = !this.firstSnapshotSeen;
      this.firstSnapshotSeen = true;
      this.onSnapshot(first);
    }
    if (this.flow && packet.link === this.linkNumber && packet.frame > this.acked) {
      this.acked = packet.frame;
      this.send(ackMessage(packet.frame));
    }
  }

  private send(text: string): void {
    const socket = this.link.socket;
    if (!socket || socket.readyState !== OPEN) return;
    try { socket.send(text); } catch { /* the close event follows */ }
  }

  private sendSubscribe(): void {
    this.link.socket?.send(subscribeMessage(this.wanted));
    this.subscribed = this.wanted;
  }

  private schedulePing(): void {
    this.pingTimer = this.options.setTimer(() => {
      this.pingTimer = null;
      const socket = this.link.socket;
      if (!socket || socket.readyState !== OPEN) return;
      if (this.options.now() - this.lastMessageMs >= this.options.idleTimeoutMs) {
        this.link.drop('no messages from the gateway');
        return;
      }
      try { socket.send(PING_MESSAGE); } catch { /* the close event follows */ }
      this.schedulePing();
    }, this.options.pingIntervalMs);
  }

  private stopPinging(): void {
    if (this.pingTimer !== null) this.options.clearTimer(this.pingTimer);
    this.pingTimer = null;
  }
}

/**
 * Another of the gateway's WebSocket paths next to the fleet's: `/ws/fleet` → `/ws/commands`, keeping whatever prefix
 * config.json put in front.
 */
export function siblingPath(wsPath: string, name: string): string {
  return wsPath.replace(/[^/]*$/, name);
}

/** The WebSocket URL for a path from config.json, relative to the page (so it works behind a path prefix too). */
export function fleetSocketUrl(wsPath: string, location: { protocol: string; host: string; pathname: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  if (/^wss?:\/\//.test(wsPath)) return wsPath;
  const dir = location.pathname.endsWith('/') ? location.pathname : location.pathname.replace(/[^/]*$/, '');
  const path = wsPath.startsWith('/') ? wsPath : dir + wsPath;
  return `${scheme}//${location.host}${path}`;
}
