import { describe, expect, it } from 'vitest';
import { AgeWindow, bounds, filterAndSort, FleetStore, nsToMs, toSubscriptionBox, type WireDrone } from './fleet';

function wire(id: number, seq: number, extra: Partial<WireDrone> = {}): WireDrone {
  return {
    id, seq, sentAtNs: '1764000000123456789', ingestNs: '1', gridNs: '2', gatewayNs: '3',
    lat: 52.5, lon: 13.4, alt: 50, hdg: 90, spd: 10, climb: 0, bat: 80, status: 'CRUISING', flags: 8, node: 'ingest-1',
    ...extra,
  };
}

describe('FleetStore', () => {
  it('keeps the newest sequence per drone and ignores late states', () => {
    const store = new FleetStore();
    store.applySnapshot([wire(1, 5)], 1000);
    store.applyChanges([wire(1, 4, { lat: 1 }), wire(2, 1)], [], 1001);
    expect(store.drones.get(1)?.seq).toBe(5);
    expect(store.drones.get(1)?.lat).toBe(52.5);
    store.applyChanges([wire(1, 6, { lat: 10 })], [], 1002);
    expect(store.drones.get(1)?.lat).toBe(10);
    expect(store.drones.size).toBe(2);
  });

  it('removes drones that left the subscription and replaces everything on a snapshot', () => {
    const store = new FleetStore();
    store.applySnapshot([wire(1, 1), wire(2, 1)], 0);
    store.applyChanges([], [2], 1);
    expect([...store.drones.keys()]).toEqual([1]);
    store.applySnapshot([wire(3, 1)], 2);
    expect([...store.drones.keys()]).toEqual([3]);
  });
});

describe('nsToMs', () => {
  it('keeps sub-millisecond precision of epoch nanoseconds', () => {
    expect(nsToMs('1764000000123456789')).toBeCloseTo(1764000000123.456789, 3);
    expect(nsToMs('1500000')).toBe(1.5);
  });
});

describe('filterAndSort', () => {
  const drones = [wire(3, 1, { bat: 50, status: 'HOVERING' }), wire(1, 1, { bat: 90 }), wire(12, 1, { bat: 10 })]
    .map((w) => ({ ...w, sentAtMs: 0, receivedAtMs: 0 }));

  it('sorts by any column in both directions', () => {
    expect(filterAndSort(drones, { idText: '', status: '' }, { key: 'id', descending: false }, 0).map((d) => d.id)).toEqual([1, 3, 12]);
    expect(filterAndSort(drones, { idText: '', status: '' }, { key: 'bat', descending: true }, 0).map((d) => d.id)).toEqual([1, 3, 12]);
    expect(filterAndSort(drones, { idText: '', status: '' }, { key: 'bat', descending: false }, 0).map((d) => d.id)).toEqual([12, 3, 1]);
  });

  it('filters by id text and by status', () => {
    expect(filterAndSort(drones, { idText: '1', status: '' }, { key: 'id', descending: false }, 0).map((d) => d.id)).toEqual([1, 12]);
    expect(filterAndSort(drones, { idText: '', status: 'HOVERING' }, { key: 'id', descending: false }, 0).map((d) => d.id)).toEqual([3]);
  });
});

describe('bounding boxes', () => {
  it('wraps longitudes and drops the box when the view spans the world', () => {
    expect(toSubscriptionBox(170, -10, 190, 10)).toEqual([170, -10, -170, 10]);
    expect(toSubscriptionBox(-200, -10, 200, 10)).toBeNull();
    expect(toSubscriptionBox(0, -95, 10, 95)).toEqual([0, -90, 10, 90]);
  });

  it('computes the bounds of the fleet', () => {
    const ds = [wire(1, 1, { lat: 1, lon: 2 }), wire(2, 1, { lat: -1, lon: 5 })].map((w) => ({ ...w, sentAtMs: 0, receivedAtMs: 0 }));
    expect(bounds(ds)).toEqual([2, -1, 5, 1]);
    expect(bounds([])).toBeNull();
  });
});

describe('AgeWindow', () => {
  it('reports percentiles of recent ages', () => {
    const window = new AgeWindow(100);
    for (let i = 1; i <= 100; i++) window.add(i);
    const [p50, p99] = window.percentiles([50, 99]);
    expect(p50).toBe(51);
    expect(p99).toBe(100);
    for (let i = 0; i < 100; i++) window.add(1000);
    expect(window.percentiles([50])[0]).toBe(1000);
  });
});
