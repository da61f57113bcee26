// One WebSocket that keeps itself connected: the lifecycle the fleet link (connection.ts) and the commands feed
// (commandsFeed.ts) share. It opens a socket offering the auth subprotocols, gives up on one that has not opened in
// time, and when a socket is lost (closed by the server, timed out, or dropped by its owner) closes it, stops
// listening to it and tries again after the capped exponential back-off of timing.ts. What travels on the socket is
// the owner's business: it hears when the socket opens, each message, and each change of state. The socket, clock
// and timers are injectable so the lifecycle is unit-tested without a browser.
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
  /** The subprotocol the server chose (browsers: empty until open). */
  readonly protocol?: string;
  /** Set to 'arraybuffer' on every new socket, so binary messages arrive as ArrayBuffers (not Blobs). */
  binaryType?: string;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code?: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface ReconnectOptions {
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
}

export const DEFAULT_RECONNECT_OPTIONS: ReconnectOptions = {
  createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
  protocols: () => [],
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  random: Math.random,
  backoff: DEFAULT_BACKOFF,
  connectTimeoutMs: 10_000,
};

/** What the owner of a link hears; each only about the socket in use, never about one the link has given up. */
export interface LinkCallbacks {
  /** Each state the link passes through: at the start of every attempt, when the socket opens, when it is lost. */
  onState?: (state: LinkState) => void;
  /** The socket has opened (the state is `live` already): start the session on it. */
  onOpen?: (socket: SocketLike) => void;
  /** A message on the socket: text, or an ArrayBuffer for a binary message. */
  onMessage?: (data: string | ArrayBuffer) => void;
  /**
   * The socket closed before it ever opened: the gateway refused the handshake (401, 403...) or could not be reached.
   * The browser gives no status code for either; the owner may ask the REST API why (see auth.ts,
   * sessionAfterRefusedSocket). The link retries as after any loss.
   */
  onRefused?: () => void;
}

export class ReconnectingSocket {
  private readonly options: ReconnectOptions;
  private latest: LinkState = { kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' };
  private current: SocketLike | null = null;
  /** Attempts since the last healthy session (see markHealthy): drives the back-off. */
  private attempt = 0;
  private reason = '';
  private everLive = false;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private stopped = false;

  constructor(private readonly url: string, options: Partial<ReconnectOptions>, private readonly callbacks: LinkCallbacks) {
    this.options = { ...DEFAULT_RECONNECT_OPTIONS, ...options };
  }

  get state(): LinkState {
    return this.latest;
  }

  /** The socket in use, open or still opening; null between attempts and after close(). */
  get socket(): SocketLike | null {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /**
   * The session is healthy (the owner decides what that means: its first snapshot arrived): the back-off starts over
   * at the next loss.
   */
  markHealthy(): void {
    this.attempt = 0;
  }

  /** Abandons the current socket (whatever its state) and schedules the next attempt, after `delayMs` if given. */
  drop(reason: string, delayMs?: number): void {
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

  /** Closes the socket and stops for good (until start()). The state is left as it was. */
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
    if ('binaryType' in socket) socket.binaryType = 'arraybuffer';
    this.current = socket;
    this.connectTimer = this.options.setTimer(() => this.drop('connection timed out'), this.options.connectTimeoutMs);
    let opened = false;
    socket.onopen = () => {
      if (this.current !== socket) return;
      opened = true;
      this.options.clearTimer(this.connectTimer);
      this.connectTimer = null;
      this.everLive = true;
      this.setState({ kind: 'live', sinceMs: this.options.now() });
      this.callbacks.onOpen?.(socket);
    };
    socket.onmessage = (event) => {
      if (this.current !== socket) return;
      const data = event.data;
      this.callbacks.onMessage?.(typeof data === 'string' || data instanceof ArrayBuffer ? data : String(data));
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = (event) => {
      if (this.current !== socket) return;
      const refused = !opened;
      this.drop(event.code && event.code !== 1000 && event.code !== 1005 ? `closed (${event.code}${event.reason ? ` ${event.reason}` : ''})` : 'closed');
      if (refused) this.callbacks.onRefused?.();
    };
  }

  private clearTimers(): void {
    for (const handle of [this.retryTimer, this.connectTimer]) if (handle !== null) this.options.clearTimer(handle);
    this.retryTimer = this.connectTimer = null;
  }

  private setState(state: LinkState): void {
    this.latest = state;
    this.callbacks.onState?.(state);
  }
}

/** Stops a socket's events from reaching a link that has given it up. */
export function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}
