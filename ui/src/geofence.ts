// Geofences (docs/api/commands.md, "Geofences"): reading GET /api/v1/geofences, drawing a new fence vertex by vertex
// and checking it before POST (the gateway refuses fewer than 3 distinct points and bad coordinates; a ring that
// crosses itself is refused here too, since it has no clear inside). Pure, unit-tested.

export type FenceKind = 'keep-in' | 'keep-out';
export const FENCE_KINDS: readonly FenceKind[] = ['keep-in', 'keep-out'];

/** [lon, lat], as GeoJSON orders them. */
export type LonLat = [number, number];

export interface Geofence {
  id: string;
  name: string;
  kind: FenceKind;
  /** The outer ring, open (the closing repeat of the first point dropped). */
  ring: LonLat[];
}

function isLonLat(p: unknown): p is LonLat {
  return Array.isArray(p) && p.length >= 2 && typeof p[0] === 'number' && typeof p[1] === 'number' &&
    Number.isFinite(p[0]) && Number.isFinite(p[1]);
}

/** Drops consecutive repeats and the closing repeat of the first point. */
export function openRing(points: readonly LonLat[]): LonLat[] {
  const out: LonLat[] = [];
  for (const p of points) {
    const last = out[out.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) out.push([p[0], p[1]]);
  }
  while (out.length > 1 && out[0][0] === out[out.length - 1][0] && out[0][1] === out[out.length - 1][1]) out.pop();
  return out;
}

/** The fences of a FeatureCollection; features that are not polygons with a kind are skipped. */
export function parseGeofences(body: unknown): Geofence[] {
  const fc = body as { type?: unknown; features?: unknown };
  if (!fc || fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) return [];
  const fences: Geofence[] = [];
  for (const value of fc.features) {
    const f = value as { id?: unknown; geometry?: { type?: unknown; coordinates?: unknown }; properties?: Record<string, unknown> | null };
    if (!f || f.geometry?.type !== 'Polygon' || !Array.isArray(f.geometry.coordinates)) continue;
    const outer = f.geometry.coordinates[0];
    const kind = f.properties?.kind;
    if (!Array.isArray(outer) || (kind !== 'keep-in' && kind !== 'keep-out')) continue;
    const id = typeof f.id === 'string' || typeof f.id === 'number' ? String(f.id)
      : typeof f.properties?.id === 'string' || typeof f.properties?.id === 'number' ? String(f.properties.id) : '';
    const ring = openRing(outer.filter(isLonLat).map((p) => [p[0], p[1]] as LonLat));
    fences.push({ id, name: typeof f.properties?.name === 'string' ? f.properties.name : '', kind, ring });
  }
  return fences;
}

/**
 * A record in the gateway's fence map that applies nowhere (no valid seal, or sealed but not a fence): listed beside
 * the fences (`refused`, docs/api/commands.md "Geofences") so an admin can delete it or draw the fence meant.
 */
export interface RefusedFence {
  id: string;
  reason: string;
  detail: string;
  /** False when the API cannot name its id (an admin removes it with a Hazelcast client). */
  deletable: boolean;
}

/** At most this many refused records are listed (the gateway bounds them too; a planted flood must not fill the page). */
export const MAX_REFUSED_LISTED = 50;
const MAX_REFUSED_TEXT = 200;

/** A text from the grid, as the panel may show it: printable and short (the gateway cuts it, this page does again). */
function printable(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return clean.length > MAX_REFUSED_TEXT ? `${clean.slice(0, MAX_REFUSED_TEXT)}…` : clean;
}

/** How many records a `GET /api/v1/geofences` answer refused (its `refused` list may be longer than what is listed). */
export function countRefusedFences(body: unknown): number {
  const refused = (body as { refused?: unknown } | null)?.refused;
  return Array.isArray(refused) ? refused.length : 0;
}

/** The refused records of a `GET /api/v1/geofences` answer, the first MAX_REFUSED_LISTED (none without a list). */
export function parseRefusedFences(body: unknown): RefusedFence[] {
  const refused = (body as { refused?: unknown } | null)?.refused;
  if (!Array.isArray(refused)) return [];
  const out: RefusedFence[] = [];
  for (const value of refused) {
    if (out.length >= MAX_REFUSED_LISTED) break;
    const r = value as { id?: unknown; reason?: unknown; detail?: unknown; deletable?: unknown } | null;
    if (!r || typeof r.id !== 'string' || r.id === '') continue;
    out.push({ id: printable(r.id), reason: printable(r.reason) || 'REFUSED', detail: printable(r.detail), deletable: r.deletable === true && printable(r.id) === r.id });
  }
  return out;
}

/** Twice the signed area in degrees² (shoelace): positive when the ring runs counter-clockwise. */
export function signedArea2(ring: readonly LonLat[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % ring.length];
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}

function orientation(a: LonLat, b: LonLat, c: LonLat): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(a: LonLat, b: LonLat, p: LonLat): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** Whether segments ab and cd touch or cross. */
export function segmentsIntersect(a: LonLat, b: LonLat, c: LonLat, d: LonLat): boolean {
  const o1 = orientation(a, b, c), o2 = orientation(a, b, d), o3 = orientation(c, d, a), o4 = orientation(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (o1 === 0 && onSegment(a, b, c)) || (o2 === 0 && onSegment(a, b, d)) ||
    (o3 === 0 && onSegment(c, d, a)) || (o4 === 0 && onSegment(c, d, b));
}

/** Why these vertices do not make a fence (null when they do). */
export function polygonProblem(points: readonly LonLat[]): string | null {
  const ring = openRing(points);
  if (ring.some(([lon, lat]) => !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90))) {
    return 'every vertex needs a longitude within -180..180 and a latitude within -90..90';
  }
  const distinct = new Set(ring.map(([lon, lat]) => `${lon},${lat}`)).size;
  if (distinct < 3) return 'a fence needs at least 3 distinct points';
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Neighbouring edges share a vertex; that is not a crossing.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsIntersect(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n])) {
        return `the outline crosses itself (edges ${i + 1} and ${j + 1})`;
      }
    }
  }
  if (Math.abs(signedArea2(ring)) < 1e-14) return 'the points lie on one line: the fence has no area';
  return null;
}

/**
 * The GeoJSON Feature to POST: a Polygon whose outer ring is closed and counter-clockwise (RFC 7946), with the
 * name and kind as properties. The gateway assigns the id.
 */
export function geofenceFeature(name: string, kind: FenceKind, points: readonly LonLat[]): GeoJSON.Feature<GeoJSON.Polygon> {
  let ring = openRing(points);
  if (signedArea2(ring) < 0) ring = ring.reverse();
  return {
    type: 'Feature',
    properties: { name: name.trim(), kind },
    geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]]] },
  };
}

/** Whether a new fence of this kind would be a second keep-in one (the gateway holds at most one). */
export function secondKeepIn(existing: readonly Geofence[], kind: FenceKind): boolean {
  return kind === 'keep-in' && existing.some((f) => f.kind === 'keep-in');
}

/** The fences for the map: closed polygons with their kind and name. */
export function geofencesGeoJSON(fences: readonly Geofence[]): GeoJSON.FeatureCollection<GeoJSON.Polygon> {
  return {
    type: 'FeatureCollection',
    features: fences.filter((f) => f.ring.length >= 3).map((f) => ({
      type: 'Feature', properties: { id: f.id, kind: f.kind, name: f.name },
      geometry: { type: 'Polygon', coordinates: [[...f.ring, f.ring[0]]] },
    })),
  };
}

// ---- drawing a new fence -------------------------------------------------------------------------------------

export interface FenceDraft {
  readonly points: readonly LonLat[];
  /** Finished: no more vertices; name and kind are asked for. */
  readonly closed: boolean;
  readonly name: string;
  readonly kind: FenceKind;
}

export const EMPTY_FENCE_DRAFT: FenceDraft = { points: [], closed: false, name: '', kind: 'keep-out' };

export function addVertex(draft: FenceDraft, lon: number, lat: number): FenceDraft {
  if (draft.closed) return draft;
  const last = draft.points[draft.points.length - 1];
  if (last && last[0] === lon && last[1] === lat) return draft;
  return { ...draft, points: [...draft.points, [lon, lat]] };
}

export function undoVertex(draft: FenceDraft): FenceDraft {
  if (draft.closed) return { ...draft, closed: false };
  return { ...draft, points: draft.points.slice(0, -1) };
}

/** Double-click or "finish": closes the outline if it makes a fence; otherwise the draft stays open with the reason. */
export function finishDraft(draft: FenceDraft): { draft: FenceDraft; error: string | null } {
  const error = polygonProblem(draft.points);
  if (error) return { draft, error };
  return { draft: { ...draft, points: openRing(draft.points), closed: true }, error: null };
}

/** What is ready to save, or why not. */
export function draftProblem(draft: FenceDraft, existing: readonly Geofence[]): string | null {
  if (!draft.closed) return 'finish the outline first (double-click, or "finish")';
  if (draft.name.trim() === '') return 'give the fence a name';
  if (secondKeepIn(existing, draft.kind)) return 'there is a keep-in fence already (at most one): delete it first, or make this keep-out';
  return polygonProblem(draft.points);
}

/** The draft for the map: its outline (closed once finished), a fill from 3 points, and its vertices. */
export function draftGeoJSON(draft: FenceDraft): GeoJSON.FeatureCollection {
  const features: GeoJSON.Feature[] = [];
  const pts = draft.points.map((p) => [p[0], p[1]]);
  if (pts.length >= 3) {
    features.push({ type: 'Feature', properties: { part: 'fill', kind: draft.kind }, geometry: { type: 'Polygon', coordinates: [[...pts, pts[0]]] } });
  }
  if (pts.length >= 2) {
    features.push({ type: 'Feature', properties: { part: 'outline', kind: draft.kind }, geometry: { type: 'LineString', coordinates: draft.closed ? [...pts, pts[0]] : pts } });
  }
  pts.forEach((p, i) => features.push({ type: 'Feature', properties: { part: 'vertex', index: i + 1, kind: draft.kind }, geometry: { type: 'Point', coordinates: p } }));
  return { type: 'FeatureCollection', features };
}
