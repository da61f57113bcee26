// Drawing a mission on the map: each click adds a waypoint, which can be dragged, removed, and given an altitude and
// a hold time (typed text, checked when the mission is sent). Pure, unit-tested; the map draws what this holds.
import { LIMITS, optionalNumber, type Waypoint } from './commands';
import { distanceM } from './geo';

export interface DraftWaypoint {
  lon: number;
  lat: number;
  /** As typed: blank keeps the drone's altitude. */
  alt: string;
  /** As typed: blank is no hold. */
  holdS: string;
}

export interface MissionDraft {
  readonly waypoints: readonly DraftWaypoint[];
}

export const EMPTY_MISSION: MissionDraft = { waypoints: [] };

/** A click on the map: a new waypoint at the end (ignored past the contract's 100). */
export function addWaypoint(draft: MissionDraft, lon: number, lat: number, alt = ''): MissionDraft {
  if (draft.waypoints.length >= LIMITS.maxWaypoints) return draft;
  return { waypoints: [...draft.waypoints, { lon, lat, alt, holdS: '' }] };
}

export function removeWaypoint(draft: MissionDraft, index: number): MissionDraft {
  return { waypoints: draft.waypoints.filter((_, i) => i !== index) };
}

/** Takes back the last click. */
export function undoWaypoint(draft: MissionDraft): MissionDraft {
  return removeWaypoint(draft, draft.waypoints.length - 1);
}

/** A waypoint dragged on the map. */
export function moveWaypoint(draft: MissionDraft, index: number, lon: number, lat: number): MissionDraft {
  return { waypoints: draft.waypoints.map((w, i) => (i === index ? { ...w, lon, lat } : w)) };
}

export function editWaypoint(draft: MissionDraft, index: number, patch: Partial<Pick<DraftWaypoint, 'alt' | 'holdS'>>): MissionDraft {
  return { waypoints: draft.waypoints.map((w, i) => (i === index ? { ...w, ...patch } : w)) };
}

/** The waypoints to send, or why they cannot be: an unreadable altitude or hold names its waypoint. */
export function missionWaypoints(draft: MissionDraft): { ok: true; value: Waypoint[] } | { ok: false; error: string } {
  if (draft.waypoints.length === 0) return { ok: false, error: 'click the map to add waypoints' };
  const waypoints: Waypoint[] = [];
  for (let i = 0; i < draft.waypoints.length; i++) {
    const w = draft.waypoints[i];
    const alt = optionalNumber(w.alt);
    const holdS = optionalNumber(w.holdS);
    if (alt === null) return { ok: false, error: `waypoint ${i + 1}: altitude "${w.alt}" is not a number` };
    if (holdS === null) return { ok: false, error: `waypoint ${i + 1}: hold "${w.holdS}" is not a number` };
    const waypoint: Waypoint = { lat: w.lat, lon: w.lon };
    if (alt !== undefined) waypoint.alt = alt;
    if (holdS !== undefined && holdS > 0) waypoint.holdS = holdS;
    waypoints.push(waypoint);
  }
  return { ok: true, value: waypoints };
}

/** The path through the waypoints, in metres (not counting the leg from where each drone is to the first). */
export function missionLengthM(draft: MissionDraft): number {
  let total = 0;
  for (let i = 1; i < draft.waypoints.length; i++) {
    const a = draft.waypoints[i - 1];
    const b = draft.waypoints[i];
    total += distanceM(a.lat, a.lon, b.lat, b.lon);
  }
  return total;
}

/** The line through the waypoints and a numbered point per waypoint, for the map. */
export function missionGeoJSON(waypoints: readonly { lon: number; lat: number }[]): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = waypoints.map((w, i) => ({
    type: 'Feature', properties: { index: i + 1 }, geometry: { type: 'Point', coordinates: [w.lon, w.lat] },
  }));
  if (waypoints.length > 1) {
    features.unshift({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: waypoints.map((w) => [w.lon, w.lat]) } });
  }
  return { type: 'FeatureCollection', features };
}
