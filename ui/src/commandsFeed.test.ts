import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandStore } from './commandStore';
import { CommandsFeed, type FeedState } from './commandsFeed';
import { siblingPath, type SocketLike } from './connection';
import { wireCommand } from './test/commandFixtures';

class FakeSocket implements SocketLike {
  readyState = 0;
  closed = false;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string, readonly protocols: string[]) {}
  send() { throw new Error('the commands feed takes no client messages'); }
  close() { this.closed = true; this.readyState = 3; }
  open() { this.readyState = 1; this.onopen?.({}); }
  receive(message: object) { this.onmessage?.({ data: JSON.stringify(message) }); }
  serverClose(code = 1006) { this.readyState = 3; this.onclose?.({ code }); }
}

describe('CommandsFeed', () => {
  let sockets: FakeSocket[];
  let store: CommandStore;
  let feed: CommandsFeed;
  let token: string | null;
  const last = () => sockets[sockets.length - 1];

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    store = new CommandStore();
    token = 'first-token-0123456';
    feed = new CommandsFeed('ws://host/ws/commands', store, {
      createSocket: (url, protocols) => { const s = new FakeSocket(url, protocols); sockets.push(s); return s; },
      protocols: () => ['odyssey.v1', `bearer.${token}`],
      random: () => 0.5,
      backoff: { initialMs: 500, maxMs: 4000, jitter: 0.2 },
      connectTimeoutMs: 5000,
    });
  });
  afterEach(() => {
    feed.close();
    vi.useRealTimers();
  });

  it('offers the token as a subprotocol and feeds the store from the snapshot and each change', () => {
    let changes = 0;
    feed.onChange = () => changes++;
    feed.start();
    expect(last().protocols).toEqual(['odyssey.v1', 'bearer.first-token-0123456']);
    last().open();
    expect(feed.state).toBe('live');
    last().receive({ type: 'commands', commands: [wireCommand('1', 7, [['issued', 0]]), wireCommand('2', 8, [['issued', 0]])] });
    last().receive({ type: 'command', command: wireCommand('1', 7, [['issued', 0], ['sent', 3]]) });
    last().receive({ type: 'command', command: wireCommand('1', 7, [['issued', 0]]) }); // stale: ignored
    last().receive({ type: 'something-new' });
    expect(store.get('1')?.state).toBe('sent');
    expect(store.byId.size).toBe(2);
    expect(changes).toBe(2);
  });

  it('reconnects with back-off and the current token, and keeps what it knew', () => {
    const states: FeedState[] = [];
    feed.onState = (s) => states.push(s);
    feed.start();
    last().open();
    last().receive({ type: 'commands', commands: [wireCommand('1', 7, [['issued', 0]])] });
    last().serverClose();
    expect(feed.state).toBe('reconnecting');
    token = 'second-token-012345';
    vi.advanceTimersByTime(499);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    expect(last().protocols[1]).toBe('bearer.second-token-012345');
    last().open();
    // The new snapshot holds only the most recent 200: what the store knew stays.
    last().receive({ type: 'commands', commands: [] });
    expect(store.get('1')).toBeDefined();
    expect(states).toEqual(['live', 'reconnecting', 'live']);
  });

  it('gives up on a connection that does not open and backs off further each time', () => {
    feed.start();
    vi.advanceTimersByTime(5000);
    expect(sockets[0].closed).toBe(true);
    vi.advanceTimersByTime(1000); // attempt 2 after 1 s
    expect(sockets).toHaveLength(2);
    last().serverClose();
    vi.advanceTimersByTime(1999);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1); // attempt 3 after 2 s
    expect(sockets).toHaveLength(3);
  });

  it('stays closed after close()', () => {
    feed.start();
    last().open();
    feed.close();
    expect(last().closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('finds the commands socket next to the fleet one, keeping any prefix', () => {
    expect(siblingPath('/ws/fleet', 'commands')).toBe('/ws/commands');
    expect(siblingPath('/odyssey/ws/fleet', 'commands')).toBe('/odyssey/ws/commands');
    expect(siblingPath('wss://gw.example/ws/fleet', 'commands')).toBe('wss://gw.example/ws/commands');
  });
});
