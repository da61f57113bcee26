import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReconnectingSocket, type LinkState, type SocketLike } from './link';

class FakeSocket implements SocketLike {
  readyState = 0;
  closedWith: [number?, string?] | null = null;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string, readonly protocols: string[]) {}
  send() {}
  close(code?: number, reason?: string) { this.closedWith = [code, reason]; this.readyState = 3; }
  // test side
  open() { this.readyState = 1; this.onopen?.({}); }
  receive(data: unknown) { this.onmessage?.({ data }); }
  serverClose(code?: number, reason?: string) { this.readyState = 3; this.onclose?.({ code, reason }); }
  get detached() { return !this.onopen && !this.onmessage && !this.onclose && !this.onerror; }
}

describe('ReconnectingSocket', () => {
  let sockets: FakeSocket[];
  let states: LinkState[];
  let opened: SocketLike[];
  let messages: string[];
  let refusals: number;
  let token: string;
  let link: ReconnectingSocket;
  const last = () => sockets[sockets.length - 1];
  const waitMs = () => (link.state as { retryAtMs: number }).retryAtMs - Date.now();

  beforeEach(() => {
    vi.useFakeTimers();
    sockets = [];
    states = [];
    opened = [];
    messages = [];
    refusals = 0;
    token = 'first';
    link = new ReconnectingSocket('ws://host/ws/x', {
      createSocket: (url, protocols) => { const s = new FakeSocket(url, protocols); sockets.push(s); return s; },
      protocols: () => ['odyssey.v1', `bearer.${token}`],
      random: () => 0.5, // no jitter
      backoff: { initialMs: 500, maxMs: 4000, jitter: 0.2 },
      connectTimeoutMs: 5000,
    }, {
      onState: (s) => states.push(s),
      onOpen: (socket) => { expect(link.state.kind).toBe('live'); opened.push(socket); },
      onMessage: (data) => messages.push(String(data)),
      onRefused: () => { expect(link.state.kind).not.toBe('live'); refusals++; },
    });
  });
  afterEach(() => {
    link.close();
    vi.useRealTimers();
  });

  it('connects with the subprotocols of the moment, goes live and passes on each message as text', () => {
    expect(link.state).toEqual({ kind: 'connecting', attempt: 1, retryAtMs: null, reason: '' });
    link.start();
    expect(last().url).toBe('ws://host/ws/x');
    expect(last().protocols).toEqual(['odyssey.v1', 'bearer.first']);
    expect(link.socket).toBe(last());
    last().open();
    expect(link.state).toEqual({ kind: 'live', sinceMs: Date.now() });
    expect(opened).toEqual([last()]);
    last().receive('{"type":"hello"}');
    last().receive(42);
    expect(messages).toEqual(['{"type":"hello"}', '42']);
    token = 'second';
    last().serverClose(1006);
    vi.advanceTimersByTime(1000);
    expect(last().protocols).toEqual(['odyssey.v1', 'bearer.second']);
    expect(states.map((s) => s.kind)).toEqual(['connecting', 'live', 'reconnecting', 'reconnecting']);
  });

  it('backs off exponentially up to the cap, counting the attempts', () => {
    link.start();
    const delays: number[] = [];
    for (let i = 1; i <= 6; i++) {
      expect(link.state).toEqual({ kind: 'connecting', attempt: i, retryAtMs: null, reason: i === 1 ? '' : 'closed' });
      last().serverClose();
      expect(link.state).toMatchObject({ kind: 'connecting', attempt: i + 1, reason: 'closed' });
      delays.push(waitMs());
      vi.advanceTimersByTime(waitMs() - 1);
      expect(sockets).toHaveLength(i);
      vi.advanceTimersByTime(1);
      expect(sockets).toHaveLength(i + 1);
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000, 4000]);
  });

  it('starts the back-off over only once the owner marks the session healthy', () => {
    link.start();
    last().serverClose();
    vi.advanceTimersByTime(waitMs());
    last().open();
    last().serverClose(); // open, but never healthy: still backing off
    expect(link.state).toMatchObject({ kind: 'reconnecting', attempt: 3 });
    expect(waitMs()).toBe(2000);
    vi.advanceTimersByTime(waitMs());
    last().open();
    link.markHealthy();
    last().serverClose();
    expect(link.state).toMatchObject({ kind: 'reconnecting', attempt: 1 });
    expect(waitMs()).toBe(500);
  });

  it('tells its owner when a socket closes before it opened (a refused handshake), and retries as usual', () => {
    link.start();
    last().serverClose(1006); // what a browser reports for a handshake answered 401 or 403
    expect(refusals).toBe(1);
    expect(link.state).toMatchObject({ kind: 'connecting', attempt: 2 });
    vi.advanceTimersByTime(waitMs());
    expect(sockets).toHaveLength(2);
    last().open();
    last().serverClose(1006); // lost after opening: not a refusal
    expect(refusals).toBe(1);
    vi.advanceTimersByTime(waitMs());
    last().serverClose();
    expect(refusals).toBe(2);
  });

  it('does not count a timed-out or abandoned attempt as a refusal', () => {
    link.start();
    vi.advanceTimersByTime(5000);
    const { onclose } = sockets[0];
    onclose?.({ code: 1006 });
    link.drop('reconnect requested', 0);
    expect(refusals).toBe(0);
  });

  it('gives up on an attempt that does not open in time', () => {
    link.start();
    vi.advanceTimersByTime(4999);
    expect(link.state.kind).toBe('connecting');
    vi.advanceTimersByTime(1);
    expect(sockets[0].closedWith).toEqual([undefined, undefined]);
    expect(sockets[0].detached).toBe(true);
    expect(link.socket).toBeNull();
    expect(link.state).toMatchObject({ kind: 'connecting', attempt: 2, reason: 'connection timed out' });
  });

  it('does not time out a socket that has opened', () => {
    link.start();
    last().open();
    vi.advanceTimersByTime(60_000);
    expect(link.state.kind).toBe('live');
    expect(sockets).toHaveLength(1);
  });

  it('gives the close code and reason unless the close was normal', () => {
    const reasonAfter = (code?: number, text?: string) => {
      link.start();
      last().open();
      last().serverClose(code, text);
      const state = link.state as { reason: string };
      link.close();
      return state.reason;
    };
    expect(reasonAfter(1008, 'bad token')).toBe('closed (1008 bad token)');
    expect(reasonAfter(1006)).toBe('closed (1006)');
    expect(reasonAfter(1000, 'bye')).toBe('closed');
    expect(reasonAfter(1005)).toBe('closed');
    expect(reasonAfter()).toBe('closed');
  });

  it('retries when the socket cannot even be created', () => {
    let fail = true;
    const failing = new ReconnectingSocket('ws://host/ws/x', {
      createSocket: (url, protocols) => {
        if (fail) throw new Error('bad url');
        const s = new FakeSocket(url, protocols); sockets.push(s); return s;
      },
      random: () => 0.5,
      backoff: { initialMs: 500, maxMs: 4000, jitter: 0 },
    }, {});
    failing.start();
    expect(failing.state).toMatchObject({ kind: 'connecting', attempt: 2, reason: 'cannot connect: Error: bad url' });
    fail = false;
    vi.advanceTimersByTime(1000);
    expect(sockets).toHaveLength(1);
    failing.close();
  });

  it('drops on demand, reconnects after the delay asked for, and ignores the abandoned socket', () => {
    link.start();
    const first = last();
    first.open();
    link.drop('reconnect requested', 0);
    expect(first.closedWith).toEqual([undefined, undefined]);
    expect(link.state).toEqual({ kind: 'reconnecting', attempt: 2, retryAtMs: Date.now(), reason: 'reconnect requested' });
    expect(first.detached).toBe(true);
    vi.advanceTimersByTime(0);
    expect(sockets).toHaveLength(2);
    expect(link.socket).toBe(last());
  });

  it('ignores events from a socket it has given up, even through handlers kept from before', () => {
    link.start();
    const first = last();
    const { onmessage, onclose } = first;
    link.drop('reconnect requested', 0);
    vi.advanceTimersByTime(0);
    const before = states.length;
    onmessage?.({ data: 'late' });
    onclose?.({ code: 1006 });
    expect(messages).toEqual([]);
    expect(states).toHaveLength(before);
    expect(sockets).toHaveLength(2);
  });

  it('stops for good on close, closing the socket normally and leaving the state as it was', () => {
    link.start();
    last().open();
    const before = states.length;
    link.close();
    expect(sockets[0].closedWith).toEqual([1000, 'dashboard closed']);
    expect(sockets[0].detached).toBe(true);
    link.drop('too late');
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(states).toHaveLength(before);
    expect(link.state.kind).toBe('live');
    link.start();
    expect(sockets).toHaveLength(2);
    expect(link.state).toMatchObject({ kind: 'reconnecting', attempt: 2, retryAtMs: null });
  });
});
