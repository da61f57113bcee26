import { describe, expect, it } from 'vitest';
import { boundsOf, contains, graticule, graticuleStep, sameBox, toSubscriptionBox, wrapLon } from './geo';

describe('subscription boxes', () => {
  it('passes an ordinary view through', () => {
    expect(toSubscriptionBox(13.1, 52.3, 13.7, 52.7)).toEqual([13.1, 52.3, 13.7, 52.7]);
  });

  it('wraps longitudes, giving west > east across the antimeridian', () => {
    expect(toSubscriptionBox(170, -10, 190, 10)).toEqual([170, -10, -170, 10]);
    expect(toSubscriptionBox(-190, -10, -170, 10)).toEqual([170, -10, -170, 10]);
    expect(toSubscriptionBox(370, 0, 375, 1)).toEqual([10, 0, 15, 1]);
    expect(toSubscriptionBox(170, 0, 180, 1)).toEqual([170, 0, 180, 1]);
  });

  it('asks for the whole fleet when the view spans every longitude, and clamps latitudes', () => {
    expect(toSubscriptionBox(-200, -10, 200, 10)).toBeNull();
    expect(toSubscriptionBox(-180, -10, 180, 10)).toBeNull();
    expect(toSubscriptionBox(0, -95, 10, 95)).toEqual([0, -90, 10, 90]);
    expect(toSubscriptionBox(0, 5, 10, 5)).toBeNull();
    expect(toSubscriptionBox(NaN, 0, 1, 1)).toBeNull();
  });

  it('always satisfies the contract ranges', () => {
    for (let i = 0; i < 500; i++) {
      const west = Math.random() * 1080 - 540;
      const width = Math.random() * 400;
      const south = Math.random() * 200 - 100;
      const box = toSubscriptionBox(west, south, west + width, south + Math.random() * 100);
      if (box === null) continue;
      const [w, s, e, n] = box;
      expect(w).toBeGreaterThanOrEqual(-180);
      expect(w).toBeLessThanOrEqual(180);
      expect(e).toBeGreaterThanOrEqual(-180);
      expect(e).toBeLessThanOrEqual(180);
      expect(s).toBeGreaterThanOrEqual(-90);
      expect(n).toBeLessThanOrEqual(90);
      expect(s).toBeLessThan(n);
    }
  });

  it('tests containment like the gateway, including across the antimeridian', () => {
    expect(contains(null, 1, 1)).toBe(true);
    expect(contains([10, 0, 20, 10], 15, 5)).toBe(true);
    expect(contains([10, 0, 20, 10], 25, 5)).toBe(false);
    expect(contains([170, -10, -170, 10], 175, 0)).toBe(true);
    expect(contains([170, -10, -170, 10], -175, 0)).toBe(true);
    expect(contains([170, -10, -170, 10], 0, 0)).toBe(false);
  });

  it('compares boxes', () => {
    expect(sameBox(null, null)).toBe(true);
    expect(sameBox([1, 2, 3, 4], null)).toBe(false);
    expect(sameBox([1, 2, 3, 4], [1, 2, 3, 4])).toBe(true);
    expect(wrapLon(180)).toBe(-180);
  });
});

describe('fleet bounds', () => {
  it('computes the bounds of the positions', () => {
    expect(boundsOf([{ lat: 1, lon: 2 }, { lat: -1, lon: 5 }, { lat: NaN, lon: 100 }])).toEqual([2, -1, 5, 1]);
    expect(boundsOf([])).toBeNull();
  });
});

describe('graticule', () => {
  it('picks nice steps', () => {
    expect(graticuleStep(360)).toBe(50);
    expect(graticuleStep(0.6)).toBeCloseTo(0.1);
    expect(graticuleStep(3)).toBeCloseTo(0.5);
  });

  it('covers the view with about ten lines each way', () => {
    const grid = graticule(13.0, 52.3, 13.8, 52.7);
    expect(grid.features.length).toBeGreaterThan(10);
    expect(grid.features.length).toBeLessThan(60);
    const lons = grid.features.map((f) => f.geometry.coordinates[0][0]);
    expect(Math.min(...lons)).toBeLessThanOrEqual(13.0);
    expect(Math.max(...lons)).toBeGreaterThanOrEqual(13.8);
  });

  it('stays bounded for a world view', () => {
    const grid = graticule(-540, -85, 540, 85);
    expect(grid.features.length).toBeLessThan(400);
  });
});
