// The /ws/commands feed (docs/api/commands.md): the 200 most recent commands on connect, then every change of any
// command, applied to the CommandStore. The gateway takes no client messages on this socket, so there is no ping:
// a quiet feed is normal (no orders), and a dead one shows as a close. Reconnects like the fleet link (link.ts).
import type { CommandStore } from './commandStore';
import { parseCommandsFeedMessage } from './commands';
import { ReconnectingSocket, type ReconnectOptions, type SocketLike } from './link';

export type FeedState = 'connecting' | 'live' | 'reconnecting';

export type FeedOptions = ReconnectOptions;

export class CommandsFeed {
  state: FeedState = 'connecting';
  onState: (state: FeedState) => void = () => {};
  /** After each message that changed the store. */
  onChange: () => void = () => {};

  private readonly link: ReconnectingSocket;

  constructor(url: string, private readonly store: CommandStore, options: Partial<FeedOptions> = {}) {
    this.link = new ReconnectingSocket(url, options, {
      // The feed's state changes when the socket opens or is lost; the start of an attempt leaves it as it was.
      onState: (state) => { if (state.kind === 'live' || state.retryAtMs !== null) this.setState(state.kind); },
      onMessage: (data) => { if (typeof data === 'string') this.onMessage(data); },
    });
  }

  get socket(): SocketLike | null {
    return this.link.socket;
  }

  start(): void {
    this.link.start();
  }

  close(): void {
    this.link.close();
  }

  private onMessage(text: string): void {
    const message = parseCommandsFeedMessage(text);
    if (!message) return;
    let changed: boolean;
    if (message.type === 'commands') {
      changed = this.store.applyAll(message.commands) > 0;
      this.link.markHealthy(); // the back-off starts over next time
    } else {
      changed = this.store.apply(message.command);
    }
    if (changed) this.onChange();
  }

  private setState(state: FeedState): void {
    if (this.state === state) return;
    this.state = state;
    this.onState(state);
  }
}
