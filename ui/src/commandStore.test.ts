import { describe, expect, it } from 'vitest';
import { CommandStore, isNewer, timeline } from './commandStore';
import { command } from './test/commandFixtures';

describe('CommandStore', () => {
  it('applies the feed snapshot and then updates, newest first per drone', () => {
    const store = new CommandStore();
    store.applyAll([
      command('10', 7, [['issued', 0]], { issuedAt: '2026-12-01T10:00:00.000Z' }),
      command('11', 7, [['issued', 0]], { issuedAt: '2026-12-01T10:00:01.000Z' }),
      command('12', 8, [['issued', 0]], { issuedAt: '2026-12-01T10:00:02.000Z' }),
    ]);
    expect(store.forDrone(7).map((c) => c.id)).toEqual(['11', '10']);
    const v = store.version;
    expect(store.apply(command('10', 7, [['issued', 0], ['sent', 5]]))).toBe(true);
    expect(store.version).toBeGreaterThan(v);
    expect(store.get('10')?.state).toBe('sent');
    expect(store.recent(2).map((c) => c.id)).toEqual(['12', '11']);
  });

  it('never lets an older version replace a newer one, whichever source it came from', () => {
    const store = new CommandStore();
    const accepted = command('1', 7, [['issued', 0], ['sent', 5], ['accepted', 30]]);
    const sent = command('1', 7, [['issued', 0], ['sent', 5]]);
    const completed = command('1', 7, [['issued', 0], ['sent', 5], ['accepted', 30], ['in-progress', 40], ['completed', 9000]]);
    store.apply(accepted);
    expect(store.apply(sent)).toBe(false); // e.g. a GET answered before the feed's update but arrived after it
    expect(store.get('1')?.state).toBe('accepted');
    store.apply(completed);
    expect(store.apply(accepted)).toBe(false);
    expect(store.get('1')?.state).toBe('completed');
  });

  it('takes a progress report within the same state, and an equal version as the newest word', () => {
    const at40 = command('1', 7, [['issued', 0], ['in-progress', 40, undefined, 40]]);
    const at60 = command('1', 7, [['issued', 0], ['in-progress', 40, undefined, 60]]);
    expect(isNewer(at60, at40)).toBe(true);
    expect(isNewer(at40, at60)).toBe(false);
    expect(isNewer(at40, at40)).toBe(true);
    const cancelled = command('1', 7, [['issued', 0], ['cancelled', 10, 'CANCELLED_BY_OPERATOR']]);
    expect(isNewer(at60, cancelled)).toBe(false);
  });

  it('lists the active (not final) commands of some drones', () => {
    const store = new CommandStore();
    store.applyAll([
      command('1', 7, [['issued', 0], ['completed', 10]]),
      command('2', 7, [['issued', 0], ['in-progress', 10]]),
      command('3', 8, [['issued', 0]]),
    ]);
    expect(store.active(new Set([7])).map((c) => c.id)).toEqual(['2']);
    expect(store.active().map((c) => c.id).sort()).toEqual(['2', '3']);
  });

  it('keeps at most its capacity, dropping the oldest final commands first', () => {
    const store = new CommandStore(3);
    const at = (s: number) => ({ issuedAt: new Date(Date.UTC(2026, 11, 1, 10, 0, s)).toISOString() });
    store.apply(command('1', 1, [['issued', 0]], at(1)));
    store.apply(command('2', 1, [['completed', 0]], at(2)));
    store.apply(command('3', 1, [['completed', 0]], at(3)));
    store.apply(command('4', 1, [['issued', 0]], at(4)));
    expect([...store.byId.keys()].sort()).toEqual(['1', '3', '4']);
  });
});

describe('timeline', () => {
  it('lists the states in the order they happened with the time since issue', () => {
    const c = command('1', 7, [['issued', 0], ['sent', 4], ['accepted', 31], ['in-progress', 50, undefined, 0], ['completed', 8123, undefined, 100]]);
    expect(timeline(c).map((s) => [s.state, s.sinceIssuedMs])).toEqual([
      ['issued', 0], ['sent', 4], ['accepted', 31], ['in-progress', 50], ['completed', 8123],
    ]);
  });

  it('orders transitions sent out of order, by time then by state order', () => {
    const c = command('1', 7, [['accepted', 30], ['issued', 0], ['sent', 30]]);
    expect(timeline(c).map((s) => s.state)).toEqual(['issued', 'sent', 'accepted']);
  });

  it('folds repeated progress reports into one row with the latest progress', () => {
    const c = command('1', 7, [['issued', 0], ['in-progress', 10, undefined, 10], ['in-progress', 20, undefined, 40], ['in-progress', 30, undefined, 70]]);
    const steps = timeline(c);
    expect(steps.map((s) => s.state)).toEqual(['issued', 'in-progress']);
    expect(steps[1]).toMatchObject({ sinceIssuedMs: 10, progress: 70 });
  });

  it('carries the reason of a final state, and shows a current state the transitions lack', () => {
    const rejected = command('1', 7, [['issued', 0], ['sent', 5], ['rejected', 40, 'NOT_AIRBORNE']]);
    expect(timeline(rejected).at(-1)).toMatchObject({ state: 'rejected', reason: 'NOT_AIRBORNE' });
    const bare = command('2', 7, [['issued', 0]], { state: 'expired', reason: 'not delivered in time' });
    expect(timeline(bare).map((s) => s.state)).toEqual(['issued', 'expired']);
    expect(timeline(bare)[1]).toMatchObject({ reason: 'not delivered in time' });
    expect(Number.isNaN(timeline(bare)[1].sinceIssuedMs)).toBe(true);
  });
});
