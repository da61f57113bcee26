// History playback: drone tracks from the gateway's history API (docs/api/history.md), and where each drone was at
// any instant of the window (linear interpolation between samples), for the map's trails and the scrubber.

/** One drone's track in a window: parallel arrays, times ascending. */
export interface Track {
  id: number;
  times: number[];
  lons: number[];
  lats: number[];
  alts: number[];
  distanceM: number;
  maxAltitudeM: number;
  batteryUsedPct: number;
  frames: number;
}

/** Reads a track from the API's GeoJSON Feature; null when it is not one. */
export function parseTrack(value: unknown): Track | null {
  const f = value as { type?: string; geometry?: { coordinates?: unknown }; properties?: Record<string, unknown> };
  if (!f || f.type !== 'Feature' || !Array.isArray(f.geometry?.coordinates) || !f.properties) return null;
  const p = f.properties;
  const coords = f.geometry!.coordinates as number[][];
  const times = Array.isArray(p.times) ? (p.times as string[]).map((t) => Date.parse(t)) : [];
  if (typeof p.droneId !== 'number' || times.length !== coords.length) return null;
  return {
    id: p.droneId,
    times,
    lons: coords.map((c) => c[0]),
    lats: coords.map((c) => c[1]),
    alts: coords.map((c) => c[2] ?? 0),
    distanceM: Number(p.distanceM ?? 0),
    maxAltitudeM: Number(p.maxAltitudeM ?? 0),
    batteryUsedPct: Number(p.batteryUsedPct ?? 0),
    frames: Number(p.frames ?? coords.length),
  };
}

/** Where the drone was at {@code t} (ms): null before its first sample; its last position after its last one. */
export function positionAt(track: Track, t: number): { lon: number; lat: number; alt: number; heading: number } | null {
  const n = track.times.length;
  if (n === 0 || t < track.times[0]) return null;
  if (t >= track.times[n - 1]) {
    return { lon: track.lons[n - 1], lat: track.lats[n - 1], alt: track.alts[n - 1], heading: headingAt(track, n - 1) };
  }
  // Binary search: the last sample at or before t.
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (track.times[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  const span = track.times[lo + 1] - track.times[lo];
  const f = span > 0 ? (t - track.times[lo]) / span : 0;
  return {
    lon: track.lons[lo] + (track.lons[lo + 1] - track.lons[lo]) * f,
    lat: track.lats[lo] + (track.lats[lo + 1] - track.lats[lo]) * f,
    alt: track.alts[lo] + (track.alts[lo + 1] - track.alts[lo]) * f,
    heading: headingAt(track, lo + 1),
  };
}

/** The samples up to {@code t} (and the interpolated position at t): the part of the trail already flown. */
export function flownPath(track: Track, t: number): [number, number][] {
  const path: [number, number][] = [];
  for (let i = 0; i < track.times.length && track.times[i] <= t; i++) path.push([track.lons[i], track.lats[i]]);
  const now = positionAt(track, t);
  if (now && path.length > 0) path.push([now.lon, now.lat]);
  return path;
}

/** Degrees clockwise from north of the segment ending at sample i (0 for a first sample). */
function headingAt(track: Track, i: number): number {
  if (i === 0) return 0;
  const dLon = (track.lons[i] - track.lons[i - 1]) * Math.cos((track.lats[i] * Math.PI) / 180);
  const dLat = track.lats[i] - track.lats[i - 1];
  if (dLon === 0 && dLat === 0) return i > 1 ? headingAt(track, i - 1) : 0;
  return ((Math.atan2(dLon, dLat) * 180) / Math.PI + 360) % 360;
}

/** Drone ids from what an operator types: "1, 2 5-7" → [1, 2, 5, 6, 7] (at most `limit`). */
export function parseDroneIds(text: string, limit = 50): number[] {
  const ids = new Set<number>();
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      for (let id = Number(range[1]); id <= Number(range[2]) && ids.size < limit; id++) ids.add(id);
    } else if (/^\d+$/.test(part) && Number(part) > 0) {
      ids.add(Number(part));
    }
    if (ids.size >= limit) break;
  }
  return [...ids];
}
