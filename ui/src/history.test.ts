import { describe, expect, it } from 'vitest';
import { flownPath, parseDroneIds, parseTrack, positionAt, type Track } from './history';

const feature = {
  type: 'Feature',
  geometry: { type: 'LineString', coordinates: [[13.0, 52.0, 0], [13.0, 52.001, 10], [13.001, 52.001, 20]] },
  properties: {
    droneId: 42, frames: 3, points: 3, distanceM: 180.5, maxAltitudeM: 20, batteryUsedPct: 0.5,
    times: ['2026-12-01T14:00:00Z', '2026-12-01T14:00:10Z', '2026-12-01T14:00:20Z'],
  },
};
const t0 = Date.parse('2026-12-01T14:00:00Z');

describe('history tracks', () => {
  it('reads the API GeoJSON and refuses anything else', () => {
    const track = parseTrack(feature) as Track;
    expect(track.id).toBe(42);
    expect(track.times).toEqual([t0, t0 + 10_000, t0 + 20_000]);
    expect(track.distanceM).toBe(180.5);
    expect(parseTrack({ type: 'FeatureCollection' })).toBeNull();
    expect(parseTrack({ ...feature, properties: { ...feature.properties, times: [] } })).toBeNull();
  });

  it('interpolates the position and heading at any instant of the window', () => {
    const track = parseTrack(feature) as Track;
    expect(positionAt(track, t0 - 1)).toBeNull();
    const mid = positionAt(track, t0 + 5_000)!;
    expect(mid.lat).toBeCloseTo(52.0005, 9);
    expect(mid.alt).toBeCloseTo(5, 9);
    expect(mid.heading).toBeCloseTo(0, 6);
    const east = positionAt(track, t0 + 15_000)!;
    expect(east.lon).toBeCloseTo(13.0005, 9);
    expect(east.heading).toBeCloseTo(90, 6);
    expect(positionAt(track, t0 + 60_000)).toMatchObject({ lon: 13.001, lat: 52.001, alt: 20 });
  });

  it('draws the flown part of the trail up to the scrubber', () => {
    const track = parseTrack(feature) as Track;
    expect(flownPath(track, t0 - 1)).toEqual([]);
    expect(flownPath(track, t0 + 5_000)).toEqual([[13.0, 52.0], [13.0, expect.closeTo(52.0005, 9)]]);
    expect(flownPath(track, t0 + 20_000)).toHaveLength(4);
  });

  it('understands the ids an operator types', () => {
    expect(parseDroneIds('1, 2 5-7 x 0 2')).toEqual([1, 2, 5, 6, 7]);
    expect(parseDroneIds('1-1000', 3)).toEqual([1, 2, 3]);
    expect(parseDroneIds('')).toEqual([]);
  });
});
