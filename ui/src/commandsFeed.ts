// The /ws/commands feed (docs/api/commands.md): the 200 most recent commands on connect, then every change of any
// command, applied to the CommandStore. The gateway takes no client messages on this socket, so there is no ping:
// a quiet feed is normal (no orders), and a dead one shows as a close. Reconnects with the fleet link's back-off.
import type { CommandStore } from './commandStore';
import { parseCommandsFeedMessage } from './commands';
import { DEFAULT_LINK_OPTIONS, detach, type LinkOptions, type SocketLike } from './connection';
import { reconnectDelayMs } from './timing';

export type FeedState = 'connecting' | 'live' | 'reconnecting';

export type FeedOptions = Pick<LinkOptions, 'createSocket' | 'protocols' | 'setTimer' | 'clearTimer' | 'random' | 'backoff' | 'connectTimeoutMs'>;

export class CommandsFeed {
  state: FeedState = 'connecting';
  onState: (state: FeedState) => void = () => {};
  /** After each message that changed the store. */
  onChange: () => void = () => {};

  private readonly options: FeedOptions;
  private current: SocketLike | null = null;
  private attempt = 0;
  private everLive = false;
  private retryTimer: unknown = null;
  private connectTimer: unknown = null;
  private stopped = false;

  constructor(private readonly url: string, private readonly store: CommandStore, options: Partial<FeedOptions> = {}) {
    this.options = { ...DEFAULT_LINK_OPTIONS, ...options };
  }

  get socket(): SocketLike | null {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.connect();
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
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.url, this.options.protocols());
    } catch {
      this.drop();
      return;
    }
    this.current = socket;
    this.connectTimer = this.options.setTimer(() => this.drop(), this.options.connectTimeoutMs);
    socket.onopen = () => {
      if (this.current !== socket) return;
      this.options.clearTimer(this.connectTimer);
      this.connectTimer = null;
      this.everLive = true;
      this.setState('live');
    };
    socket.onmessage = (event) => {
      if (this.current !== socket) return;
      const message = parseCommandsFeedMessage(typeof event.data === 'string' ? event.data : String(event.data));
      if (!message) return;
      let changed: boolean;
      if (message.type === 'commands') {
        changed = this.store.applyAll(message.commands) > 0;
        this.attempt = 0; // a healthy session: the back-off starts over next time
      } else {
        changed = this.store.apply(message.command);
      }
      if (changed) this.onChange();
    };
    socket.onerror = () => { /* a close event follows */ };
    socket.onclose = () => {
      if (this.current === socket) this.drop();
    };
  }

  private drop(): void {
    const socket = this.current;
    this.current = null;
    this.clearTimers();
    if (socket) {
      detach(socket);
      try { socket.close(); } catch { /* already closed */ }
    }
    if (this.stopped) return;
    this.setState(this.everLive ? 'reconnecting' : 'connecting');
    const wait = reconnectDelayMs(this.attempt + 1, this.options.backoff, this.options.random);
    this.retryTimer = this.options.setTimer(() => {
      this.retryTimer = null;
      this.connect();
    }, wait);
  }

  private clearTimers(): void {
    for (const handle of [this.retryTimer, this.connectTimer]) if (handle !== null) this.options.clearTimer(handle);
    this.retryTimer = this.connectTimer = null;
  }

  private setState(state: FeedState): void {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }
}
