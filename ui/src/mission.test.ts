import { describe, expect, it } from 'vitest';
import {
  addWaypoint, editWaypoint, EMPTY_MISSION, missionGeoJSON, missionLengthM, missionWaypoints, moveWaypoint, removeWaypoint,
  undoWaypoint,
} from './mission';

describe('mission drawing', () => {
  it('adds a waypoint per click, in order, and takes back the last', () => {
    let d = addWaypoint(EMPTY_MISSION, 13.40, 52.50);
    d = addWaypoint(d, 13.41, 52.51);
    d = addWaypoint(d, 13.42, 52.52);
    expect(d.waypoints.map((w) => [w.lon, w.lat])).toEqual([[13.40, 52.50], [13.41, 52.51], [13.42, 52.52]]);
    d = undoWaypoint(d);
    expect(d.waypoints).toHaveLength(2);
    expect(EMPTY_MISSION.waypoints).toHaveLength(0);
  });

  it('moves, edits and removes one waypoint, leaving the others', () => {
    let d = addWaypoint(addWaypoint(addWaypoint(EMPTY_MISSION, 1, 1), 2, 2), 3, 3);
    d = moveWaypoint(d, 1, 2.5, 2.5);
    d = editWaypoint(d, 1, { alt: '60', holdS: '5' });
    expect(d.waypoints[1]).toEqual({ lon: 2.5, lat: 2.5, alt: '60', holdS: '5' });
    d = removeWaypoint(d, 0);
    expect(d.waypoints.map((w) => w.lon)).toEqual([2.5, 3]);
  });

  it('stops at the contract limit of 100 waypoints', () => {
    let d = EMPTY_MISSION;
    for (let i = 0; i < 105; i++) d = addWaypoint(d, i / 1000, 0);
    expect(d.waypoints).toHaveLength(100);
  });

  it('turns the typed fields into waypoints: blank is left out, junk is an error naming the waypoint', () => {
    let d = addWaypoint(addWaypoint(EMPTY_MISSION, 13.4, 52.5), 13.5, 52.6);
    d = editWaypoint(d, 0, { alt: ' 80 ', holdS: '0' });
    d = editWaypoint(d, 1, { holdS: '10' });
    expect(missionWaypoints(d)).toEqual({ ok: true, value: [{ lat: 52.5, lon: 13.4, alt: 80 }, { lat: 52.6, lon: 13.5, holdS: 10 }] });
    expect(missionWaypoints(editWaypoint(d, 1, { alt: 'high' }))).toEqual({ ok: false, error: 'waypoint 2: altitude "high" is not a number' });
    expect(missionWaypoints(EMPTY_MISSION).ok).toBe(false);
  });

  it('measures the path and draws a line with numbered points', () => {
    const d = addWaypoint(addWaypoint(EMPTY_MISSION, 0, 0), 0, 1);
    expect(missionLengthM(d)).toBeGreaterThan(111_000);
    expect(missionLengthM(d)).toBeLessThan(111_400);
    const fc = missionGeoJSON(d.waypoints);
    expect(fc.features.map((f) => f.geometry.type)).toEqual(['LineString', 'Point', 'Point']);
    expect(fc.features.slice(1).map((f) => f.properties?.index)).toEqual([1, 2]);
    expect(missionGeoJSON([{ lon: 0, lat: 0 }]).features.map((f) => f.geometry.type)).toEqual(['Point']);
  });
});
