import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { debounce, FramePacer, reconnectDelayMs, RefreshGate } from './timing';

describe('reconnectDelayMs', () => {
  const policy = { initialMs: 500, maxMs: 15_000, jitter: 0 };

  it('doubles per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((a) => reconnectDelayMs(a, policy))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it('jitters within bounds and never exceeds the cap', () => {
    const jittery = { ...policy, jitter: 0.2 };
    expect(reconnectDelayMs(1, jittery, () => 0)).toBe(400);
    expect(reconnectDelayMs(1, jittery, () => 1)).toBe(600);
    expect(reconnectDelayMs(20, jittery, () => 1)).toBe(15000);
    expect(reconnectDelayMs(0, policy)).toBe(500);
  });
});

describe('debounce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls once, with the last arguments, after calls stop', () => {
    const calls: number[] = [];
    const d = debounce((n: number) => calls.push(n), 300);
    d(1);
    vi.advanceTimersByTime(200);
    d(2);
    vi.advanceTimersByTime(200);
    d(3);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(300);
    expect(calls).toEqual([3]);
  });

  it('can flush and cancel', () => {
    const calls: number[] = [];
    const d = debounce((n: number) => calls.push(n), 300);
    d(1);
    d.flush();
    expect(calls).toEqual([1]);
    d(2);
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([1]);
  });
});

describe('RefreshGate', () => {
  it('should let one refresh through per interval while nothing it depends on changes', () => {
    const gate = new RefreshGate(1000);
    const key = {};
    expect(gate.due(0, key)).toBe(true);
    expect(gate.due(250, key)).toBe(false);
    expect(gate.due(999, key)).toBe(false);
    expect(gate.due(1000, key)).toBe(true);
    expect(gate.due(1500, key)).toBe(false);
  });

  it('should refresh at once when what it depends on changed', () => {
    const gate = new RefreshGate(1000);
    expect(gate.due(0, 'a')).toBe(true);
    expect(gate.due(10, 'b')).toBe(true);
    expect(gate.due(20, 'b')).toBe(false);
  });
});

describe('FramePacer', () => {
  it('lets cheap frames come at the minimum interval', () => {
    const pacer = new FramePacer(30, 0.25, 2000);
    pacer.record(4);
    expect(pacer.intervalMs).toBe(30);
    expect(pacer.due(1029, 1000)).toBe(false);
    expect(pacer.due(1030, 1000)).toBe(true);
  });

  it('keeps frames that stay costly to their share of the time within three frames, and follows them down as soon', () => {
    const pacer = new FramePacer(30, 0.25, 2000);
    for (let i = 0; i < 5; i++) pacer.record(5);
    pacer.record(200);
    pacer.record(200);
    expect(pacer.intervalMs).toBe(30); // two of five: not yet the frames' cost
    pacer.record(200); // frames whose commits wait 200 ms: the next data frame no sooner than 800 ms after the last
    expect(pacer.intervalMs).toBe(800);
    expect(pacer.due(1700, 1000)).toBe(false);
    expect(pacer.due(1800, 1000)).toBe(true);
    pacer.record(4);
    pacer.record(4);
    expect(pacer.intervalMs).toBe(800);
    pacer.record(4);
    expect(pacer.intervalMs).toBe(30);
  });

  it('does not hold data frames back for one preempted frame', () => {
    const pacer = new FramePacer(30, 0.5, 2000);
    for (let i = 0; i < 5; i++) pacer.record(20);
    pacer.record(600); // one frame whose thread waited for a core
    expect(pacer.frameCostMs).toBe(20);
    expect(pacer.intervalMs).toBe(40);
    for (let i = 0; i < 10; i++) {
      pacer.record(i % 4 === 0 ? 600 : 20); // one in four: still the cheap frames' pace
      expect(pacer.intervalMs).toBe(40);
    }
  });

  it('draws new data at the maximum interval however slow frames are, and ignores nonsense', () => {
    const pacer = new FramePacer(30, 0.25, 2000);
    pacer.record(5000);
    expect(pacer.intervalMs).toBe(2000); // the first frame's cost is all it knows
    for (let i = 0; i < 5; i++) pacer.record(5000);
    expect(pacer.intervalMs).toBe(2000);
    pacer.record(NaN);
    pacer.record(-1);
    expect(pacer.frameCostMs).toBe(5000);
  });
});
