// The WebSocket link to the gateway (docs/api/websocket.md): connects, subscribes to a bounding box, feeds the store,
// keeps the link alive with pings, and reconnects with capped exponential back-off. The socket, clock and timers
// are injectable so the link is unit-tested without a browser.
import { sameBox, type BBox } from './geo';
import { parseServerMessage, PING_MESSAGE, subscribeMessage } from './protocol';
import type { FleetStore } from './store';
import { DEFAULT_BACKOFF, reconnectDelayMs, type BackoffPolicy } from './timing';

/**
 * `connecting` until the link has been live once, `reconnecting` after. `attempt` counts the attempts since the
 * last healthy session; `retryAtMs` is when the next one starts, or null while attempt `attempt` is under way.
 */
export type LinkState =
  | { kind: 'connecting' | 'reconnecting'; attempt: number; retryAtMs: number | null; reason: string }
  | { kind: 'live'; sinceMs: number };

/** The part of the browser's WebSocket the link uses. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface LinkOptions {
  /** Opens a socket offering these subprotocols (the token rides in one: see auth.ts, socketProtocols). */
  createSocket: (url: string, protocols: string[]) => SocketLike;
  /** The subprotocols of each new connection, asked afresh on every attempt. */
  protocols: () => string[];
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  random: () => number;
  backoff: BackoffPolicy;
  /** Give up on a connection attempt that has not opened after this long. */
  connectTimeoutMs: number;
  /** Send a ping this often while live... */
  pingIntervalMs: number;
  /** ...and drop the link when nothing at all has arrived for this long. */
  idleTimeoutMs: number;
}

const OPEN = 1;

export const DEFAULT_LINK_OPTIONS: LinkOptions = {
  createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
  protocols: () => [],
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: Math.random,
  backoff: DEFAULT_BACKOFF,
  connectTimeoutMs: 10_000,
  pingIntervalMs: 10_000,
  idleTimeoutMs: 35_000,
};

export class FleetConnection {
  state: LinkState = { kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' };
  /** The last `error` message the gateway sent, if any. */
  lastError: string | null = null;
  onState: (state: LinkState) => void = () => {};
  /** After each snapshot has been applied to the store; `first` for the very first one of this page. */
  onSnapshot: (first: boolean) => void = () => {};
  onServerError: (text: string) => void = () => {};

  private readonly options: LinkOptions;
  private current: SocketLike | null = null;
  /** Attempts since the last healthy session (one that delivered a snapshot): drives the back-off. */
  private attempt = 0;
  private reason = '';
  private everLive = false;
  private firstSnapshotSeen = false;
  private wanted: BBox | null = null;
  /** What this socket's subscription is (the gateway's default on connect is the whole fleet). */
  private subscribed: BBox | null = null;
  private lastMessageMs = 0;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private pingTimer: unknown = null;
  private stopped = false;

  constructor(private readonly url: string, private readonly store: FleetStore, options: Partial<LinkOptions> = {}) {
    this.options = { ...DEFAULT_LINK_OPTIONS, ...options };
  }

  /** The socket in use (for diagnostics and tests). */
  get socket(): SocketLike | null {
    return this.current;
  }

  get subscription(): BBox | null {
    return this.wanted;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Only drones inside the box from now on (null: the whole fleet). Sent at once if live, else on connecting. */
  subscribe(bbox: BBox | null): void {
    this.wanted = bbox;
    if (this.current?.readyState === OPEN && !sameBox(bbox, this.subscribed)) this.sendSubscribe();
  }

  /** Drop the link and connect again straight away. */
  reconnectNow(): void {
    this.drop('reconnect requested', 0);
  }

  close(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.current;
    this.current = null;
    if (socket) {
      detach(socket);
      try { socket.close(1000, 'dashboard closed'); } catch { /* already closed */ }
    }
  }

  private connect(): void {
    this.clearTimers();
    this.attempt++;
    this.setState({ kind: this.everLive ? 'reconnecting' : 'connecting', attempt: this.attempt, retryAtMs: null, reason: this.reason });
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.url, this.options.protocols());
    } catch (error) {
      this.drop(`cannot connect: ${String(error)}`);
      return;
    }
    this.current = socket;
    this.subscribed = null;
    this.connectTimer = this.options.setTimer(() => this.drop('connection timed out'), this.options.connectTimeoutMs);
    socket.onopen = () => {
      if (this.current !== socket) return;
      this.options.clearTimer(this.connectTimer);
      this.connectTimer = null;
      this.everLive = true;
      this.lastMessageMs = this.options.now();
      this.setState({ kind: 'live', sinceMs: this.lastMessageMs });
      if (this.wanted !== null) this.sendSubscribe();
      this.schedulePing();
    };
    socket.onmessage = (event) => {
      if (this.current !== socket) return;
      this.lastMessageMs = this.options.now();
      this.onMessage(typeof event.data === 'string' ? event.data : String(event.data));
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = (event) => {
      if (this.current !== socket) return;
      this.drop(event.code && event.code !== 1000 && event.code !== 1005 ? `closed (${event.code}${event.reason ? ` ${event.reason}` : ''})` : 'closed');
    };
  }

  private onMessage(text: string): void {
    const message = parseServerMessage(text);
    if (!message) return;
    const now = this.options.now();
    switch (message.type) {
      case 'snapshot': {
        this.store.applySnapshot(message.drones, now);
        this.attempt = 0;
        const first = !this.firstSnapshotSeen;
        this.firstSnapshotSeen = true;
        this.onSnapshot(first);
        break;
      }
      case 'changes':
        this.store.applyChanges(message.drones, message.removed, now);
        break;
      case 'alerts':
        this.store.applyAlerts(message.active);
        break;
      case 'alert':
        this.store.applyAlert(message.event, message.alert);
        break;
      case 'error':
        this.lastError = `${message.code}: ${message.message}`;
        this.onServerError(this.lastError);
        break;
      default:
        break; // hello, pong: liveness only
    }
  }

  private sendSubscribe(): void {
    this.current?.send(subscribeMessage(this.wanted));
    this.subscribed = this.wanted;
  }

  private schedulePing(): void {
    this.pingTimer = this.options.setTimer(() => {
      this.pingTimer = null;
      const socket = this.current;
      if (!socket || socket.readyState !== OPEN) return;
      if (this.options.now() - this.lastMessageMs >= this.options.idleTimeoutMs) {
        this.drop('no messages from the gateway');
        return;
      }
      try { socket.send(PING_MESSAGE); } catch { /* the close event follows */ }
      this.schedulePing();
    }, this.options.pingIntervalMs);
  }

  /** Abandons the current socket (whatever its state) and schedules the next attempt. */
  private drop(reason: string, delayMs?: number): void {
    const socket = this.current;
    this.current = null;
    this.clearTimers();
    if (socket) {
      detach(socket);
      try { socket.close(); } catch { /* already closed */ }
    }
    if (this.stopped) return;
    this.reason = reason;
    const wait = delayMs ?? reconnectDelayMs(this.attempt + 1, this.options.backoff, this.options.random);
    this.setState({ kind: this.everLive ? 'reconnecting' : 'connecting', attempt: this.attempt + 1, retryAtMs: this.options.now() + wait, reason });
    this.retryTimer = this.options.setTimer(() => {
      this.retryTimer = null;
      this.connect();
    }, wait);
  }

  private clearTimers(): void {
    for (const handle of [this.retryTimer, this.connectTimer, this.pingTimer]) if (handle !== null) this.options.clearTimer(handle);
    this.retryTimer = this.connectTimer = this.pingTimer = null;
  }

  private setState(state: LinkState): void {
    this.state = state;
    this.onState(state);
  }
}

/** Stops a socket's events from reaching a link that has given it up. */
export function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
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
