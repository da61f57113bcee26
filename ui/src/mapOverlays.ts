// What command & control draws on the map besides the drones: the geofences (keep-in green, keep-out red), a fence
// being drawn, a mission being drawn (numbered, draggable waypoints: a handful of DOM markers, since the offline style
// has no glyphs for text on the map) and where the selected drones' active orders take them. All small sources,
// each replaced whole when it changes; the GeoJSON comes from the pure modules (geofence.ts, mission.ts).
import { Marker, type ExpressionSpecification, type GeoJSONSource, type Map as MapLibreMap } from 'maplibre-gl';
import { missionGeoJSON } from './mission';

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
/** Darker than the status colours of CRUISING and EMERGENCY, so a fence is never taken for a drone. */
export const KEEP_IN_COLOR = '#16a34a';
export const KEEP_OUT_COLOR = '#dc2626';
const DRAFT_COLOR = '#fbbf24';
const MISSION_COLOR = '#e879f9';
const TARGET_COLOR = '#e2e8f0';
/** Layers showing live orders: hidden with the live drones in history mode. */
export const TARGET_LAYERS = ['command-target-lines', 'command-targets'];

const SOURCES = ['geofences', 'fence-draft', 'mission', 'command-targets'] as const;
type SourceId = (typeof SOURCES)[number];

export class MapOverlays {
  private attached = false;
  private readonly data = new Map<SourceId, GeoJSON.FeatureCollection>();
  /** What each source was last given, as JSON (to skip a setData that changes nothing). */
  private readonly texts = new Map<SourceId, string>();
  private markers: Marker[] = [];
  private missionPoints: readonly { lon: number; lat: number }[] = [];
  private onMove: (index: number, lon: number, lat: number) => void = () => {};

  constructor(private readonly map: MapLibreMap) {}

  /** Adds the sources and layers; geofences go under `beneathLayer`, the rest on top. */
  attach(beneathLayer: string): void {
    for (const id of SOURCES) this.map.addSource(id, { type: 'geojson', data: this.data.get(id) ?? EMPTY });
    const byKind = (keepIn: string | number, keepOut: string | number): ExpressionSpecification =>
      ['match', ['get', 'kind'], 'keep-in', keepIn, keepOut];
    this.map.addLayer({
      id: 'geofence-fill', type: 'fill', source: 'geofences',
      paint: { 'fill-color': byKind(KEEP_IN_COLOR, KEEP_OUT_COLOR), 'fill-opacity': byKind(0.07, 0.16) },
    }, beneathLayer);
    this.map.addLayer({
      id: 'geofence-outline', type: 'line', source: 'geofences',
      paint: { 'line-color': byKind(KEEP_IN_COLOR, KEEP_OUT_COLOR), 'line-width': 2, 'line-opacity': 0.9 },
    }, beneathLayer);
    this.map.addLayer({
      id: 'command-target-lines', type: 'line', source: 'command-targets', filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': TARGET_COLOR, 'line-width': 1.2, 'line-opacity': 0.7, 'line-dasharray': [2, 2] },
    });
    this.map.addLayer({
      id: 'command-targets', type: 'circle', source: 'command-targets', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 5, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': TARGET_COLOR, 'circle-stroke-width': 2 },
    });
    this.map.addLayer({
      id: 'fence-draft-fill', type: 'fill', source: 'fence-draft', filter: ['==', ['get', 'part'], 'fill'],
      paint: { 'fill-color': byKind(KEEP_IN_COLOR, KEEP_OUT_COLOR), 'fill-opacity': 0.15 },
    });
    this.map.addLayer({
      id: 'fence-draft-line', type: 'line', source: 'fence-draft', filter: ['==', ['get', 'part'], 'outline'],
      paint: { 'line-color': DRAFT_COLOR, 'line-width': 2, 'line-dasharray': [3, 2] },
    });
    this.map.addLayer({
      id: 'fence-draft-vertices', type: 'circle', source: 'fence-draft', filter: ['==', ['get', 'part'], 'vertex'],
      paint: { 'circle-radius': 4, 'circle-color': DRAFT_COLOR, 'circle-stroke-color': '#0b1220', 'circle-stroke-width': 1.5 },
    });
    this.map.addLayer({
      id: 'mission-line', type: 'line', source: 'mission', filter: ['==', ['geometry-type'], 'LineString'],
      paint: { 'line-color': MISSION_COLOR, 'line-width': 2.5, 'line-opacity': 0.9 },
    });
    this.attached = true;
  }

  setGeofences(fc: GeoJSON.FeatureCollection): void {
    this.set('geofences', fc);
  }

  setFenceDraft(fc: GeoJSON.FeatureCollection | null): void {
    this.set('fence-draft', fc ?? EMPTY);
  }

  /** Where the selected drones' active goto/mission orders go: a line from each drone and a ring at the target. */
  setTargets(fc: GeoJSON.FeatureCollection): void {
    this.set('command-targets', fc);
  }

  /**
   * The mission being drawn: its line, and a numbered marker per waypoint that can be dragged (`onMove` gets the new
   * position). Markers are reused while the count stays the same, so dragging one is not interrupted by a redraw.
   */
  setMission(points: readonly { lon: number; lat: number }[], onMove: (index: number, lon: number, lat: number) => void): void {
    this.onMove = onMove;
    if (points === this.missionPoints) return;
    this.missionPoints = points;
    this.set('mission', missionGeoJSON(points));
    while (this.markers.length > points.length) this.markers.pop()!.remove();
    points.forEach((p, i) => {
      let marker = this.markers[i];
      if (!marker) {
        const element = document.createElement('div');
        element.className = 'waypoint-marker';
        element.dataset.testid = `waypoint-${i + 1}`;
        element.textContent = String(i + 1);
        marker = new Marker({ element, draggable: true }).setLngLat([p.lon, p.lat]).addTo(this.map);
        marker.on('dragend', () => {
          const at = marker.getLngLat().wrap();
          this.onMove(i, at.lng, at.lat);
        });
        this.markers.push(marker);
      } else {
        marker.setLngLat([p.lon, p.lat]);
      }
    });
  }

  private set(id: SourceId, fc: GeoJSON.FeatureCollection): void {
    // Each setData re-tiles the source in MapLibre's worker and repaints the map: only when what is drawn changed (the
    // fences are reloaded every minute, the order targets recomputed every second, mostly the same).
    const text = JSON.stringify(fc);
    if (text === this.texts.get(id)) return;
    this.texts.set(id, text);
    this.data.set(id, fc);
    if (!this.attached) return;
    (this.map.getSource(id) as GeoJSONSource | undefined)?.setData(fc);
  }
}
