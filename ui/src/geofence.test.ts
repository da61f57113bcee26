import { describe, expect, it } from 'vitest';
import {
  addVertex, draftGeoJSON, draftProblem, EMPTY_FENCE_DRAFT, finishDraft, geofenceFeature, geofencesGeoJSON, openRing,
  countRefusedFences, MAX_REFUSED_LISTED, parseGeofences, parseRefusedFences, polygonProblem, signedArea2, undoVertex, type LonLat,
} from './geofence';

const square: LonLat[] = [[13.3, 52.4], [13.5, 52.4], [13.5, 52.6], [13.3, 52.6]];

describe('geofence polygon validation', () => {
  it('accepts a simple polygon, open or closed', () => {
    expect(polygonProblem(square)).toBeNull();
    expect(polygonProblem([...square, square[0]])).toBeNull();
  });

  it('needs at least 3 distinct points', () => {
    expect(polygonProblem([])).toMatch(/3 distinct/);
    expect(polygonProblem([[1, 1], [2, 2]])).toMatch(/3 distinct/);
    expect(polygonProblem([[1, 1], [2, 2], [1, 1], [2, 2]])).toMatch(/3 distinct|crosses/);
    expect(polygonProblem([[1, 1], [2, 2], [2, 2], [1, 1]])).toMatch(/3 distinct/);
  });

  it('refuses bad coordinates, a flat outline and one that crosses itself', () => {
    expect(polygonProblem([[0, 0], [181, 0], [0, 1]])).toMatch(/longitude/);
    expect(polygonProblem([[0, 0], [1, 91], [0, 1]])).toMatch(/latitude/);
    expect(polygonProblem([[0, 0], [1, 1], [2, 2]])).toMatch(/one line/);
    // A bow tie: 1-2 crosses 3-4.
    expect(polygonProblem([[0, 0], [1, 1], [1, 0], [0, 1]])).toMatch(/crosses itself/);
  });

  it('makes a closed, counter-clockwise polygon feature to POST', () => {
    const clockwise: LonLat[] = [...square].reverse();
    expect(signedArea2(clockwise)).toBeLessThan(0);
    const feature = geofenceFeature(' city ', 'keep-in', clockwise);
    expect(feature.properties).toEqual({ name: 'city', kind: 'keep-in' });
    const ring = feature.geometry.coordinates[0] as LonLat[];
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring).toHaveLength(5);
    expect(signedArea2(ring.slice(0, -1))).toBeGreaterThan(0);
  });

  it('drops consecutive repeats and the closing point', () => {
    expect(openRing([[0, 0], [0, 0], [1, 0], [1, 1], [0, 0]])).toEqual([[0, 0], [1, 0], [1, 1]]);
  });
});

describe('geofences from the gateway', () => {
  it('reads polygons with a kind and skips anything else', () => {
    const fences = parseGeofences({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', id: 'f1', properties: { name: 'city', kind: 'keep-in' }, geometry: { type: 'Polygon', coordinates: [[...square, square[0]]] } },
        { type: 'Feature', id: 2, properties: { name: 'airport', kind: 'keep-out' }, geometry: { type: 'Polygon', coordinates: [square] } },
        { type: 'Feature', id: 3, properties: { name: 'odd', kind: 'maybe' }, geometry: { type: 'Polygon', coordinates: [square] } },
        { type: 'Feature', id: 4, properties: { kind: 'keep-out' }, geometry: { type: 'Point', coordinates: [0, 0] } },
      ],
    });
    expect(fences.map((f) => [f.id, f.name, f.kind, f.ring.length])).toEqual([['f1', 'city', 'keep-in', 4], ['2', 'airport', 'keep-out', 4]]);
    expect(parseGeofences({ type: 'Feature' })).toEqual([]);
    const drawn = geofencesGeoJSON(fences);
    expect(drawn.features[0].properties).toEqual({ id: 'f1', kind: 'keep-in', name: 'city' });
    expect(drawn.features[0].geometry.coordinates[0]).toHaveLength(5);
  });
});

describe('refused fence records from the gateway', () => {
  it('lists each with its reason, printable and short, deletable only when the API can name it', () => {
    const refused = parseRefusedFences({
      type: 'FeatureCollection', features: [],
      refused: [
        { id: 'trap', deletable: true, reason: 'UNSEALED', detail: 'no valid seal' },
        { id: 'bell\u0007', deletable: true, reason: 'UNREADABLE', detail: 'x'.repeat(500) },
        { id: 'cut-by-the-gateway', deletable: false, reason: 'UNSEALED', detail: '' },
        { reason: 'UNSEALED' },
        null,
      ],
    });
    expect(refused.map((r) => [r.id, r.reason, r.deletable])).toEqual([
      ['trap', 'UNSEALED', true], ['bell?', 'UNREADABLE', false], ['cut-by-the-gateway', 'UNSEALED', false],
    ]);
    expect(refused[1].detail.length).toBeLessThanOrEqual(201);
    expect(parseRefusedFences({ type: 'FeatureCollection', features: [] })).toEqual([]);
    expect(parseRefusedFences(null)).toEqual([]);
  });

  it('lists a bounded number of them', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ id: `junk-${i}`, deletable: true, reason: 'UNSEALED', detail: '' }));
    expect(parseRefusedFences({ refused: many })).toHaveLength(MAX_REFUSED_LISTED);
    expect(countRefusedFences({ refused: many })).toBe(5000);
    expect(countRefusedFences({ type: 'FeatureCollection', features: [] })).toBe(0);
  });
});

describe('drawing a fence', () => {
  it('adds vertices (ignoring the repeat of a double-click), finishes when valid, and then asks for a name', () => {
    let d = addVertex(EMPTY_FENCE_DRAFT, 0, 0);
    d = addVertex(d, 1, 0);
    expect(finishDraft(d).error).toMatch(/3 distinct/);
    d = addVertex(d, 1, 1);
    d = addVertex(d, 1, 1);
    expect(d.points).toHaveLength(3);
    const finished = finishDraft(d);
    expect(finished.error).toBeNull();
    expect(finished.draft.closed).toBe(true);
    expect(addVertex(finished.draft, 5, 5).points).toHaveLength(3);
    expect(draftProblem(finished.draft, [])).toMatch(/name/);
    expect(draftProblem({ ...finished.draft, name: 'pad' }, [])).toBeNull();
    expect(draftProblem({ ...d, name: 'pad' }, [])).toMatch(/finish/);
  });

  it('refuses a second keep-in fence', () => {
    const d = { ...finishDraft({ ...EMPTY_FENCE_DRAFT, points: square }).draft, name: 'x', kind: 'keep-in' as const };
    expect(draftProblem(d, [{ id: '1', name: 'city', kind: 'keep-in', ring: square }])).toMatch(/keep-in fence already/);
    expect(draftProblem({ ...d, kind: 'keep-out' }, [{ id: '1', name: 'city', kind: 'keep-in', ring: square }])).toBeNull();
  });

  it('undoes the finish first, then the last vertex', () => {
    const finished = finishDraft({ ...EMPTY_FENCE_DRAFT, points: square }).draft;
    const reopened = undoVertex(finished);
    expect(reopened.closed).toBe(false);
    expect(reopened.points).toHaveLength(4);
    expect(undoVertex(reopened).points).toHaveLength(3);
  });

  it('draws the draft: vertices, the outline, and a fill from 3 points', () => {
    const parts = (points: LonLat[], closed = false) => draftGeoJSON({ ...EMPTY_FENCE_DRAFT, points, closed }).features.map((f) => f.properties?.part);
    expect(parts([[0, 0]])).toEqual(['vertex']);
    expect(parts([[0, 0], [1, 0]])).toEqual(['outline', 'vertex', 'vertex']);
    expect(parts([[0, 0], [1, 0], [1, 1]])).toEqual(['fill', 'outline', 'vertex', 'vertex', 'vertex']);
    const closed = draftGeoJSON({ ...EMPTY_FENCE_DRAFT, points: [[0, 0], [1, 0], [1, 1]], closed: true });
    expect((closed.features[1].geometry as GeoJSON.LineString).coordinates).toHaveLength(4);
  });
});
