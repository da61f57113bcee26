// Geometry the dashboard needs: subscription boxes (contract: [west, south, east, north] in degrees, west > east
// crosses the antimeridian), the fleet's bounds, and the offline base map's graticule. Pure, unit-tested.

export type BBox = [west: number, south: number, east: number, north: number];

/** Longitude into [-180, 180). */
export function wrapLon(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * The map's visible bounds as a subscription box the gateway accepts: longitudes wrapped into [-180, 180] (a view
 * across the antimeridian gives west > east), latitudes clamped to [-90, 90]. Null (the whole fleet) when the view
 * spans every longitude or is degenerate.
 */
export function toSubscriptionBox(west: number, south: number, east: number, north: number): BBox | null {
  if (![west, south, east, north].every(Number.isFinite)) return null;
  if (east - west >= 360) return null;
  const s = Math.max(-90, Math.min(90, south));
  const n = Math.max(-90, Math.min(90, north));
  if (!(s < n) || !(east > west)) return null;
  let w = wrapLon(west);
  let e = wrapLon(east);
  // A view ending exactly on the antimeridian: say 180 rather than wrapping to -180.
  if (e === -180 && w > -180) e = 180;
  w = round6(w);
  e = round6(e);
  if (w === e) return null;
  return [w, round6(s), e, round6(n)];
}

export function sameBox(a: BBox | null, b: BBox | null): boolean {
  if (a === null || b === null) return a === b;
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** Whether a point is inside a subscription box (the gateway's rule, for tests and for the mock). */
export function contains(box: BBox | null, lon: number, lat: number): boolean {
  if (box === null) return true;
  const [w, s, e, n] = box;
  if (lat < s || lat > n) return false;
  return w <= e ? lon >= w && lon <= e : lon >= w || lon <= e;
}

/** The bounding box of a set of positions; null when there are none. */
export function boundsOf(points: Iterable<{ lon: number; lat: number }>): BBox | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const p of points) {
    if (!Number.isFinite(p.lon) || !Number.isFinite(p.lat)) continue;
    if (p.lon < w) w = p.lon;
    if (p.lon > e) e = p.lon;
    if (p.lat < s) s = p.lat;
    if (p.lat > n) n = p.lat;
  }
  return Number.isFinite(w) ? [w, s, e, n] : null;
}

/** A "nice" grid step (1, 2 or 5 × 10^k degrees) giving about `lines` lines across the span. */
export function graticuleStep(span: number, lines = 10): number {
  const raw = Math.max(span, 1e-9) / lines;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/**
 * Grid lines covering the given view (plus one step around it): the offline base map. Recomputed on every
 * `moveend`, so it stays about ten lines across at any zoom, and never needs a network fetch.
 */
export function graticule(west: number, south: number, east: number, north: number): GeoJSON.FeatureCollection<GeoJSON.LineString> {
  const step = graticuleStep(Math.max(east - west, north - south));
  const s = Math.max(-85, Math.floor(south / step) * step - step);
  const n = Math.min(85, Math.ceil(north / step) * step + step);
  const w = Math.floor(west / step) * step - step;
  const e = Math.ceil(east / step) * step + step;
  const features: GeoJSON.Feature<GeoJSON.LineString>[] = [];
  const line = (coordinates: number[][], major: boolean): GeoJSON.Feature<GeoJSON.LineString> =>
    ({ type: 'Feature', properties: { major }, geometry: { type: 'LineString', coordinates } });
  const isMajor = (v: number) => Math.abs(v / (step * 5) - Math.round(v / (step * 5))) < 1e-6;
  for (let i = 0, lon = w; lon <= e + 1e-9 && i < 200; i++, lon = w + i * step) features.push(line([[lon, s], [lon, n]], isMajor(lon)));
  for (let i = 0, lat = s; lat <= n + 1e-9 && i < 200; i++, lat = s + i * step) features.push(line([[w, lat], [e, lat]], isMajor(lat)));
  return { type: 'FeatureCollection', features };
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine). */
export function distanceM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}
