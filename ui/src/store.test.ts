import { describe, expect, it } from 'vitest';
import { FedStore, wire } from './test/fixtures';

describe('FleetStore (fed through the fleet decoder)', () => {
  it('keeps only the newest sequence number per drone', () => {
    const store = new FedStore().snapshot([wire(1, 5)], 1000);
    store.changes([wire(1, 4, { lat: 1 }), wire(1, 5, { lat: 2 }), wire(2, 1)], [], 1001);
    expect(store.drones.get(1)?.seq).toBe(5);
    expect(store.drones.get(1)?.lat).toBe(52.5);
    store.changes([wire(1, 6, { lat: 10 })], [], 1002);
    expect(store.drones.get(1)?.lat).toBe(10);
    expect(store.drones.get(1)?.receivedAtMs).toBe(1002);
    expect(store.drones.size).toBe(2);
  });

  it('applies the newest of several states of one drone within one message', () => {
    const store = new FedStore().changes([wire(1, 3, { lat: 3 }), wire(1, 9, { lat: 9 }), wire(1, 4, { lat: 4 })]);
    expect(store.drones.get(1)?.lat).toBe(9);
  });

  it('drops removed drones, and a snapshot replaces everything', () => {
    const store = new FedStore().snapshot([wire(1, 1), wire(2, 1)]);
    store.changes([], [2, 99], 1);
    expect([...store.drones.keys()]).toEqual([1]);
    store.snapshot([wire(3, 1)], 2);
    expect([...store.drones.keys()]).toEqual([3]);
    expect(store.snapshots).toBe(2);
  });

  it('accepts a lower sequence number after a snapshot (a new connection starts afresh)', () => {
    const store = new FedStore().snapshot([wire(1, 50)]);
    store.snapshot([wire(1, 2)], 1);
    expect(store.drones.get(1)?.seq).toBe(2);
  });

  it('bumps the version only on real changes', () => {
    const store = new FedStore().snapshot([wire(1, 5)]);
    const version = store.version;
    store.changes([wire(1, 5)], [7], 1);
    expect(store.version).toBe(version);
    store.changes([wire(1, 6)], [], 2);
    expect(store.version).toBe(version + 1);
  });

  it('records the arrival age of live changes (decode time minus send time), not of snapshots', () => {
    const sentMs = 1764000000123.456789;
    const store = new FedStore().snapshot([wire(9, 1)], sentMs + 5000);
    store.changes([wire(1, 1)], [], sentMs + 40);
    store.changes([wire(2, 1)], [], sentMs + 60);
    const [p50, p99] = store.ages.percentiles([50, 99]);
    expect(store.ages.size).toBe(2);
    expect(p50).toBeCloseTo(40, 3);
    expect(p99).toBeCloseTo(60, 3);
  });

  it('ignores malformed drone objects', () => {
    const store = new FedStore().changes([{ id: 'x' } as never, null as never, wire(1, 1)]);
    expect([...store.drones.keys()]).toEqual([1]);
  });

  it('makes drone objects with the hop times and names of the wire', () => {
    const d = new FedStore().changes([wire(4, 2, { status: 'DOCKED', node: 'edge-9' })], [], 7).drones.get(4)!;
    expect(d).toMatchObject({ id: 4, seq: 2, status: 'DOCKED', node: 'edge-9', receivedAtMs: 7, lat: 52.5, alt: 50 });
    expect(d.ingestMs).toBeCloseTo(1, 6);
    expect(d.gridMs).toBeCloseTo(2, 6);
    expect(d.gatewayMs).toBeCloseTo(1, 6);
  });

  // Speed is the browser bench's to measure (./odyssey bench --browser), not a timed assertion here.
  it('merges 5,000 drones × 10 rounds, each drone ending at its newest round', () => {
    const store = new FedStore();
    for (let round = 1; round <= 10; round++) {
      const batch = Array.from({ length: 5000 }, (_, i) => wire(i + 1, round, { lat: round }));
      store.changes(batch, [], round);
    }
    expect(store.drones.size).toBe(5000);
    expect(store.drones.get(5000)?.seq).toBe(10);
    expect(store.drones.get(1)?.seq).toBe(10);
    expect(store.drones.get(2500)?.lat).toBe(10);
  });
});
