// The WebSocket link to the gateway (docs/api/websocket.md): connects, subscribes to a bounding box, feeds the store,
// keeps the link alive with pings, and reconnects with capped exponential back-off (the socket's lifecycle is
// link.ts's ReconnectingSocket). The socket, clock and timers are injectable so the link is unit-tested without a
// browser.
import { sameBox, type BBox } from './geo';
import { DEFAULT_RECONNECT_OPTIONS, ReconnectingSocket, type LinkState, type ReconnectOptions, type SocketLike } from './link';
import { parseServerMessage, PING_MESSAGE, subscribeMessage } from './protocol';
import type { FleetStore } from './store';

export { detach, type LinkState, type SocketLike } from './link';

export interface LinkOptions extends ReconnectOptions {
  /** Send a ping this often while live... */
  pingIntervalMs: number;
  /** ...and drop the link when nothing at all has arrived for this long. */
  idleTimeoutMs: number;
}

const OPEN = 1;

export const DEFAULT_LINK_OPTIONS: LinkOptions = {
  ...DEFAULT_RECONNECT_OPTIONS,
  pingIntervalMs: 10_000,
  idleTimeoutMs: 35_000,
};

export class FleetConnection {
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
  private firstSnapshotSeen = false;
  private wanted: BBox | null = null;
  /** What this socket's subscription is (the gateway's default on connect is the whole fleet). */
  private subscribed: BBox | null = null;
  private lastMessageMs = 0;
  private pingTimer: unknown = null;

  constructor(url: string, private readonly store: FleetStore, options: Partial<LinkOptions> = {}) {
    this.options = { ...DEFAULT_LINK_OPTIONS, ...options };
    this.link = new ReconnectingSocket(url, this.options, {
      onState: (state) => this.onLinkState(state),
      onOpen: () => this.onOpen(),
      onMessage: (text) => this.onMessage(text),
      onRefused: () => this.onRefused(),
    });
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
  }

  private onLinkState(state: LinkState): void {
    if (state.kind === 'live') this.lastMessageMs = state.sinceMs; // opening counts as hearing from the gateway
    else this.stopPinging(); // pings belong to an open socket
    this.onState(state);
  }

  private onOpen(): void {
    this.subscribed = null;
    if (this.wanted !== null) this.sendSubscribe();
    this.schedulePing();
  }

  private onMessage(text: string): void {
    this.lastMessageMs = this.options.now();
    const message = parseServerMessage(text);
    if (!message) return;
    const now = this.options.now();
    switch (message.type) {
      case 'snapshot': {
        this.store.applySnapshot(message.drones, now);
        this.link.markHealthy();
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
