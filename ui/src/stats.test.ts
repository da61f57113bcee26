import { describe, expect, it } from 'vitest';
import { percentile, RateMeter, SampleWindow } from './stats';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('SampleWindow', () => {
  it('reports percentiles of the most recent samples only', () => {
    const window = new SampleWindow(100);
    for (let i = 100; i >= 1; i--) window.add(i);
    expect(window.percentiles([50, 99])).toEqual([50, 99]);
    for (let i = 0; i < 100; i++) window.add(1000);
    expect(window.percentiles([50])).toEqual([1000]);
    expect(window.size).toBe(100);
  });

  it('can restrict to samples added since a time', () => {
    const window = new SampleWindow(10);
    window.add(500, 1000);
    window.add(5, 2000);
    window.add(7, 2100);
    expect(window.percentiles([100], 1500)).toEqual([7]);
    expect(window.percentiles([100])).toEqual([500]);
    expect(window.percentiles([50], 3000)[0]).toBeNaN();
  });

  it('ignores non-finite samples and can be cleared', () => {
    const window = new SampleWindow(4);
    window.add(NaN);
    window.add(Infinity);
    expect(window.size).toBe(0);
    window.add(1);
    window.clear();
    expect(window.percentiles([50])[0]).toBeNaN();
  });
});

describe('RateMeter', () => {
  it('averages complete seconds and leaves the current one out', () => {
    const meter = new RateMeter(2);
    meter.add(10, 1_000);
    meter.add(10, 1_500);
    meter.add(40, 2_100);
    meter.add(99, 3_000);
    expect(meter.rate(3_500)).toBe((20 + 40) / 2);
  });

  it('forgets seconds that fell out of the window', () => {
    const meter = new RateMeter(2);
    meter.add(100, 1_000);
    expect(meter.rate(2_000)).toBe(50);
    expect(meter.rate(10_000)).toBe(0);
    meter.add(4, 10_000);
    expect(meter.rate(11_000)).toBe(2);
  });
});
