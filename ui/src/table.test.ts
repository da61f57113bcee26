import { describe, expect, it } from 'vitest';
import { filterAndSort, matches, nextOrder, NO_FILTER, rowWindow, sortedIds, TableRows, type Filter, type SortKey } from './table';
import { drone, storeOf, wire } from './test/fixtures';

const fleet = [
  drone(3, 30, { bat: 50, alt: 10, spd: 5, status: 'HOVERING', sentAtNs: '3000000' }),
  drone(1, 10, { bat: 90, alt: 30, spd: 1, status: 'CRUISING', sentAtNs: '1000000' }),
  drone(12, 20, { bat: 10, alt: 20, spd: 9, status: 'EMERGENCY', sentAtNs: '2000000' }),
  drone(7, 40, { bat: 50, alt: 40, spd: 3, status: 'GROUNDED', sentAtNs: '4000000' }),
];
const ids = (key: SortKey, descending = false, filter = NO_FILTER) =>
  filterAndSort(fleet, filter, { key, descending }).map((d) => d.id);

describe('sorting', () => {
  it('sorts by every column in both directions, ties broken by id', () => {
    expect(ids('id')).toEqual([1, 3, 7, 12]);
    expect(ids('id', true)).toEqual([12, 7, 3, 1]);
    expect(ids('bat')).toEqual([12, 3, 7, 1]);
    expect(ids('bat', true)).toEqual([1, 3, 7, 12]);
    expect(ids('alt')).toEqual([3, 12, 1, 7]);
    expect(ids('spd', true)).toEqual([12, 3, 7, 1]);
    expect(ids('seq')).toEqual([1, 12, 3, 7]);
  });

  it('sorts status by the flight lifecycle, emergencies last (first when descending)', () => {
    expect(ids('status')).toEqual([7, 1, 3, 12]);
    expect(ids('status', true)[0]).toBe(12);
  });

  it('sorts age oldest-last: the newest send time is the smallest age', () => {
    expect(ids('age')).toEqual([7, 3, 12, 1]);
    expect(ids('age', true)).toEqual([1, 12, 3, 7]);
  });

  it('flips direction on the same column and starts ascending on a new one', () => {
    expect(nextOrder({ key: 'id', descending: false }, 'id')).toEqual({ key: 'id', descending: true });
    expect(nextOrder({ key: 'id', descending: true }, 'bat')).toEqual({ key: 'bat', descending: false });
  });
});

describe('filtering', () => {
  it('filters by id text and by status', () => {
    expect(ids('id', false, { idText: '1', status: '' })).toEqual([1, 12]);
    expect(ids('id', false, { idText: ' 12 ', status: '' })).toEqual([12]);
    expect(ids('id', false, { idText: '', status: 'HOVERING' })).toEqual([3]);
    expect(ids('id', false, { idText: '1', status: 'EMERGENCY' })).toEqual([12]);
    expect(ids('id', false, { idText: '9', status: '' })).toEqual([]);
  });

  it('matches any of several id terms', () => {
    expect(ids('id', false, { idText: '3, 7', status: '' })).toEqual([3, 7]);
    expect(matches(fleet[0], { idText: '3 12', status: '' })).toBe(true);
  });

  // Speed is the browser bench's to measure (./odyssey bench --browser), not a timed assertion here.
  it('sorts and filters 5,000 drones', () => {
    // One store for all (a store per drone, as drone() makes, is most of this test's time).
    const many = [...storeOf(Array.from({ length: 5000 }, (_, i) => wire(i + 1, i, { bat: (i * 37) % 100, status: i % 7 ? 'CRUISING' : 'HOVERING' }))).drones.values()];
    const sorted = filterAndSort(many, { idText: '', status: '' }, { key: 'bat', descending: true });
    expect(sorted).toHaveLength(5000);
    expect(sorted.filter((d, i) => i > 0 && sorted[i - 1].bat < d.bat)).toEqual([]);
    expect(filterAndSort(many, { idText: '', status: 'HOVERING' }, { key: 'id', descending: false })).toHaveLength(715);
  });
});

describe('the table straight from the columns', () => {
  const store = storeOf([
    wire(3, 30, { bat: 50, alt: 10, spd: 5, status: 'HOVERING', sentAtNs: '3000000' }),
    wire(1, 10, { bat: 90, alt: 30, spd: 1, status: 'CRUISING', sentAtNs: '1000000' }),
    wire(12, 20, { bat: 10, alt: 20, spd: 9, status: 'EMERGENCY', sentAtNs: '2000000' }),
    wire(7, 40, { bat: 50, alt: 40, spd: 3, status: 'GROUNDED', sentAtNs: '4000000' }),
    wire(21, 5, { bat: 50, alt: 40, spd: 3, status: 'SOMETHING_NEW', sentAtNs: '4000000' }),
  ]);
  const fromColumns = (key: SortKey, descending = false, filter: Filter = NO_FILTER) =>
    [...sortedIds(store.columns, store.statuses, filter, { key, descending })];
  const fromDrones = (key: SortKey, descending = false, filter: Filter = NO_FILTER) =>
    filterAndSort(store.drones.values(), filter, { key, descending }).map((d) => d.id);

  it('should give the same rows as sorting drone objects, for every column, direction and filter', () => {
    for (const key of ['id', 'status', 'bat', 'alt', 'spd', 'age', 'seq'] as SortKey[]) {
      for (const descending of [false, true]) {
        for (const filter of [NO_FILTER, { idText: '1', status: '' }, { idText: '', status: 'HOVERING' }, { idText: '2 7', status: '' }] as Filter[]) {
          expect(fromColumns(key, descending, filter)).toEqual(fromDrones(key, descending, filter));
        }
      }
    }
    expect(fromColumns('status')).toEqual([7, 1, 3, 12, 21]);
  });

  it('should make drone objects only for the rows asked for, and tell where a drone is', () => {
    const made: number[] = [];
    const rows = new TableRows(sortedIds(store.columns, store.statuses, NO_FILTER, { key: 'bat', descending: false }), (id) => {
      made.push(id);
      return store.drones.get(id);
    });
    expect(rows.length).toBe(5);
    expect(made).toEqual([]);
    expect(rows.drone(0)?.id).toBe(12);
    expect(made).toEqual([12]);
    expect(rows.indexOf(1)).toBe(4);
    expect(rows.indexOf(99)).toBe(-1);
  });

  it('should skip a row whose drone left after the refresh', () => {
    const rows = new TableRows(Float64Array.of(5, 6), (id) => (id === 5 ? drone(5, 1) : undefined));
    expect(rows.drone(0)?.id).toBe(5);
    expect(rows.drone(1)).toBeUndefined();
  });
});

describe('rowWindow', () => {
  it('renders only the rows around the viewport, with spacers for the rest', () => {
    const w = rowWindow(26 * 100, 260, 26, 5000, 5);
    expect(w.start).toBe(95);
    expect(w.end).toBe(100 + 11 + 5);
    expect(w.padTop).toBe(95 * 26);
    expect(w.padBottom).toBe((5000 - w.end) * 26);
    expect(w.end - w.start).toBeLessThan(30);
  });

  it('clamps at both ends and handles empty tables', () => {
    expect(rowWindow(0, 260, 26, 3, 5)).toEqual({ start: 0, end: 3, padTop: 0, padBottom: 0 });
    const end = rowWindow(1e9, 260, 26, 50, 5);
    expect(end.end).toBe(50);
    expect(end.start).toBeLessThan(50);
    expect(rowWindow(0, 260, 26, 0)).toEqual({ start: 0, end: 0, padTop: 0, padBottom: 0 });
  });
});
