import { describe, expect, it } from 'vitest';
import { flagNames, hops, nsToMs, statusColor, STATUS_COLORS, UNKNOWN_STATUS_COLOR } from './model';
import { drone } from './test/fixtures';

describe('nsToMs', () => {
  it('keeps sub-millisecond precision of epoch nanoseconds', () => {
    expect(nsToMs('1764000000123456789')).toBeCloseTo(1764000000123.456789, 3);
    expect(nsToMs('1500000')).toBe(1.5);
    expect(nsToMs('999')).toBeCloseTo(0.000999, 9);
  });

  it('agrees with the contract formula Number(sentAtNs) / 1e6 to well under a millisecond', () => {
    const ns = '1764000000123456789';
    expect(Math.abs(nsToMs(ns) - Number(ns) / 1e6)).toBeLessThan(0.001);
  });

  it('tolerates numbers and missing values', () => {
    expect(nsToMs(2_000_000)).toBe(2);
    expect(nsToMs(undefined)).toBeNaN();
    expect(nsToMs('')).toBeNaN();
  });
});

describe('flags and colours', () => {
  it('names the flag bits', () => {
    expect(flagNames(0)).toEqual([]);
    expect(flagNames(1 | 4 | 8)).toEqual(['LOW_BATTERY', 'GEOFENCE_BREACH', 'SIMULATED']);
  });

  it('colours unknown statuses neutrally', () => {
    expect(statusColor('EMERGENCY')).toBe(STATUS_COLORS.EMERGENCY);
    expect(statusColor('DOCKED')).toBe(UNKNOWN_STATUS_COLOR);
  });
});

describe('hops', () => {
  it('splits the telemetry age into per-hop times', () => {
    const d = drone(1, 1, {}, 1764000000130.456789);
    const h = hops(d);
    expect(h.ingest).toBeCloseTo(1, 3);
    expect(h.grid).toBeCloseTo(2, 3);
    expect(h.gateway).toBeCloseTo(1, 3);
    expect(h.browser).toBeCloseTo(3, 3);
  });
});
