import { describe, expect, it } from 'vitest';
import { clickSelection, EMPTY_SELECTION, primaryOf, selectMany, selectOnly, visibleDrones } from './selection';
import { NO_FILTER } from './table';
import { drone } from './test/fixtures';

describe('selection', () => {
  it('selects one drone on a plain click and clears on a plain click on empty map', () => {
    const one = clickSelection(EMPTY_SELECTION, 7, false);
    expect(one.ids).toEqual([7]);
    expect(clickSelection({ ids: [1, 2] }, 7, false).ids).toEqual([7]);
    expect(clickSelection(one, null, false)).toBe(EMPTY_SELECTION);
  });

  it('adds and removes with an additive click; the last added is the primary', () => {
    let s = clickSelection(EMPTY_SELECTION, 7, true);
    s = clickSelection(s, 9, true);
    s = clickSelection(s, 8, true);
    expect(s.ids).toEqual([7, 9, 8]);
    expect(primaryOf(s)).toBe(8);
    s = clickSelection(s, 8, true);
    expect(s.ids).toEqual([7, 9]);
    expect(primaryOf(s)).toBe(9);
    expect(clickSelection(s, null, true)).toBe(s);
    expect(primaryOf(EMPTY_SELECTION)).toBeNull();
  });

  it('selects many at once, keeping the primary when it is among them', () => {
    expect(selectMany([3, 1, 2, 3]).ids).toEqual([3, 1, 2]);
    expect(primaryOf(selectMany([1, 2, 3], 2))).toBe(2);
    expect(primaryOf(selectMany([1, 2, 3], 9))).toBe(3);
    expect(selectOnly(null)).toBe(EMPTY_SELECTION);
  });

  it('picks the drones in view that match the table filter', () => {
    const drones = [
      drone(1, 1, { lon: 13.4, lat: 52.5, status: 'HOVERING' }),
      drone(2, 1, { lon: 13.4, lat: 52.5, status: 'CRUISING' }),
      drone(3, 1, { lon: 20, lat: 52.5, status: 'HOVERING' }),
    ];
    expect(visibleDrones(drones, [13, 52, 14, 53], NO_FILTER)).toEqual([1, 2]);
    expect(visibleDrones(drones, [13, 52, 14, 53], { idText: '', status: 'HOVERING' })).toEqual([1]);
    expect(visibleDrones(drones, null, NO_FILTER)).toEqual([1, 2, 3]);
  });
});
