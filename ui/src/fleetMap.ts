// The map: MapLibre GL with every drone in one GeoJSON source drawn by WebGL symbol layers (no DOM markers), so
// thousands of drones stay smooth. Updates are batched: at most one setData per animation frame, and none while the
// previous one is still being processed by the worker, so a large fleet lowers the map's update rate instead of
// queueing work. Offline by default: a plain style with a client-side graticule, no glyphs, sprites or tiles; an
// online raster tile URL is optional.
import {
  Map as MapLibreMap, NavigationControl, ScaleControl, AttributionControl, setWorkerUrl,
  type ExpressionSpecification, type GeoJSONSource, type MapMouseEvent, type StyleSpecification,
} from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { flownPath, positionAt, type Track } from './history';
import { graticule, wrapLon, type BBox } from './geo';
import { MapOverlays, TARGET_LAYERS } from './mapOverlays';
import { STATUSES, STATUS_COLORS, UNKNOWN_STATUS_COLOR, type Drone } from './model';
import { SampleWindow } from './stats';

// The worker is a separate file in MapLibre 6: point it at the copy Vite ships with the build (same origin).
setWorkerUrl(workerUrl);

export interface MapConfig {
  tileUrl: string | null;
  tileAttribution: string;
}

/** What the map draws from: the store's drones and its change counter. */
export interface DroneSource {
  readonly drones: ReadonlyMap<number, Drone>;
  readonly version: number;
  /** Bumped when the set of drones with active alerts may have changed. */
  readonly alertVersion: number;
  alertedDrones(): Set<number>;
}

export const BACKGROUND_COLOR = '#0b1220';
const ARROW = 'drone-arrow';
const DRONE_LAYER = 'drones';
const SELECTED_LAYER = 'drone-selected';
const SELECTED_RING_LAYER = 'drone-selected-ring';
/** A cyan ring under every drone of a multi-selection (the primary also gets the white outline). */
export const MULTI_SELECTED_LAYER = 'drone-multi-selected';
/** History mode: whole tracks (dim), the part flown up to the scrubber, and each drone where it was then. */
export const HISTORY_TRAILS_LAYER = 'history-trails';
export const HISTORY_FLOWN_LAYER = 'history-flown';
export const HISTORY_HEADS_LAYER = 'history-heads';
const LIVE_LAYERS = ['drone-selected-ring', 'drone-multi-selected', 'drone-alert-rings', 'drones', 'drone-selected', ...TARGET_LAYERS];
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
/** A red ring under every drone with an active alert. */
export const ALERT_RING_LAYER = 'drone-alert-rings';
const NO_ID = -1;
/** After each setData the next one waits IDLE_FACTOR × the worker's time for it (capped at MAX_IDLE_MS). */
const IDLE_FACTOR = 0.5;
const MAX_IDLE_MS = 500;

function baseStyle(config: MapConfig): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {
      graticule: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': BACKGROUND_COLOR } },
      {
        id: 'graticule', type: 'line', source: 'graticule',
        paint: {
          'line-color': ['case', ['get', 'major'], '#293b5c', '#1a2842'],
          'line-width': ['case', ['get', 'major'], 1.2, 1],
        },
      },
    ],
  };
  if (config.tileUrl) {
    style.sources.tiles = {
      type: 'raster', tiles: [config.tileUrl], tileSize: 256, maxzoom: 19,
      attribution: config.tileAttribution || undefined,
    };
    // Darkened so the coloured drones keep their contrast on any tile set.
    style.layers.splice(1, 0, {
      id: 'tiles', type: 'raster', source: 'tiles',
      paint: { 'raster-opacity': 0.9, 'raster-brightness-max': 0.55, 'raster-saturation': -0.4, 'raster-contrast': 0.1 },
    });
  }
  return style;
}

/** A white arrow pointing north on a transparent square: added as an SDF image, so the layer colours it. */
function arrowImage(size = 64): { width: number; height: number; data: Uint8Array } {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  const u = size / 64;
  ctx.fillStyle = '#fff';
  ctx.beginPath();
  ctx.moveTo(32 * u, 6 * u);
  ctx.lineTo(52 * u, 56 * u);
  ctx.lineTo(32 * u, 45 * u);
  ctx.lineTo(12 * u, 56 * u);
  ctx.closePath();
  ctx.fill();
  const pixels = ctx.getImageData(0, 0, size, size);
  return { width: size, height: size, data: new Uint8Array(pixels.data.buffer) };
}

function colourByStatus(): ExpressionSpecification {
  const expression: unknown[] = ['match', ['get', 'status']];
  for (const status of STATUSES) expression.push(status, STATUS_COLORS[status]);
  expression.push(UNKNOWN_STATUS_COLOR);
  return expression as ExpressionSpecification;
}

/**
 * While armed, map clicks go to the tool (a goto target, mission waypoints, fence vertices) instead of selecting
 * drones, and a double-click does not zoom (a tool with `onDoubleClick` gets it instead).
 */
export interface PointTool {
  onClick: (lon: number, lat: number) => void;
  onDoubleClick?: () => void;
}

export interface MapStats {
  /** setData calls so far. */
  updates: number;
  /** Features in the last setData. */
  features: number;
  /** ms spent building the last FeatureCollection on the main thread. */
  buildMs: number;
  /** ms from the last setData to the worker having it. */
  workerMs: number;
}

export class FleetMap {
  readonly map: MapLibreMap;
  readonly stats: MapStats = { updates: 0, features: 0, buildMs: 0, workerMs: 0 };
  /** Age of what is drawn (sender timestamp to the frame showing it), per drone, while {@link measureDrawnAge}. */
  readonly drawnAges = new SampleWindow(16384);
  measureDrawnAge = false;
  /** A click on a drone (or on empty map: null); `additive` when shift, ctrl or cmd was held. */
  onSelect: (id: number | null, additive: boolean) => void = () => {};
  /** Geofences, drafts, missions and order targets, drawn over the base map. */
  readonly overlays: MapOverlays;
  /** After the user (or a fit) moved the map. */
  onViewChange: () => void = () => {};

  private ready = false;
  private selected: number | null = null;
  private multiSelected: readonly number[] = [];
  private tool: PointTool | null = null;
  private drawnVersion = -1;
  private drawnAlertVersion = -1;
  private historyShown: readonly Track[] | null = null;
  private inFlight = false;
  private frame = 0;
  private destroyed = false;
  private pendingSentAt: Float64Array | null = null;
  /** performance.now() before which the next setData waits (see {@link draw}). */
  private nextDrawAt = 0;
  private readonly online: boolean;

  constructor(container: HTMLElement, config: MapConfig, private readonly source: DroneSource) {
    this.online = Boolean(config.tileUrl);
    this.map = new MapLibreMap({
      container,
      style: baseStyle(config),
      center: [0, 20],
      zoom: 1.5,
      attributionControl: false,
      fadeDuration: 0,
      dragRotate: true,
      maxPitch: 0,
      canvasContextAttributes: { antialias: false },
    });
    this.overlays = new MapOverlays(this.map);
    this.map.addControl(new NavigationControl({ showCompass: true, visualizePitch: false }), 'top-left');
    this.map.addControl(new ScaleControl({ unit: 'metric', maxWidth: 120 }), 'bottom-left');
    if (config.tileUrl) this.map.addControl(new AttributionControl({ compact: true }), 'bottom-right');
    this.map.on('load', () => this.onLoad());
    this.map.on('moveend', () => {
      this.updateGraticule();
      this.onViewChange();
    });
    this.map.on('sourcedata', (e) => {
      // The drones' new positions are on screen once the tiles are rebuilt and the next frame is drawn.
      if (e.sourceId !== 'drones' || !e.isSourceLoaded || !this.pendingSentAt) return;
      const sentAt = this.pendingSentAt;
      this.pendingSentAt = null;
      this.map.once('render', () => {
        const now = Date.now();
        for (let i = 0; i < sentAt.length; i++) this.drawnAges.add(now - sentAt[i]);
      });
      this.map.triggerRepaint();
    });
    this.frame = requestAnimationFrame(this.tick);
  }

  private onLoad(): void {
    this.map.addImage(ARROW, arrowImage(), { sdf: true, pixelRatio: 2 });
    // maxzoom 14: tiles past z14 are over-zoomed (positions keep ~0.3 m precision), so zooming far in does not
    // multiply the tiles every setData has to rebuild.
    this.map.addSource('drones', {
      type: 'geojson', data: { type: 'FeatureCollection', features: [] }, buffer: 32, tolerance: 0, maxzoom: 14,
    });
    // Zoom expressions must be top-level interpolations, so the selected drone's larger size is its own curve.
    const size = (scale: number): ExpressionSpecification =>
      ['interpolate', ['linear'], ['zoom'], 2, 0.3 * scale, 8, 0.45 * scale, 12, 0.6 * scale, 16, 0.8 * scale];
    this.map.addLayer({
      id: SELECTED_RING_LAYER, type: 'circle', source: 'drones',
      filter: ['==', ['get', 'id'], NO_ID],
      paint: {
        'circle-radius': 15, 'circle-color': 'rgba(255,255,255,0.10)',
        'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2, 'circle-pitch-alignment': 'map',
      },
    });
    this.map.addLayer({
      id: MULTI_SELECTED_LAYER, type: 'circle', source: 'drones',
      filter: ['in', ['get', 'id'], ['literal', []]],
      paint: {
        'circle-radius': 12, 'circle-color': 'rgba(34,211,238,0.10)',
        'circle-stroke-color': '#22d3ee', 'circle-stroke-width': 2, 'circle-pitch-alignment': 'map',
      },
    });
    // Alerts only change a filter, never the data: a thousand alerts cost no setData.
    this.map.addLayer({
      id: ALERT_RING_LAYER, type: 'circle', source: 'drones',
      filter: ['in', ['get', 'id'], ['literal', []]],
      paint: {
        'circle-radius': 11, 'circle-color': 'rgba(244,63,94,0.18)',
        'circle-stroke-color': '#f43f5e', 'circle-stroke-width': 2, 'circle-pitch-alignment': 'map',
      },
    });
    this.map.addLayer({
      id: DRONE_LAYER, type: 'symbol', source: 'drones',
      layout: {
        'icon-image': ARROW,
        'icon-size': size(1),
        'icon-rotate': ['get', 'hdg'],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
      // A dark halo keeps the arrows legible on bright raster tiles; on the plain dark base it is not needed, and
      // it doubles the fragment work (halo pass + fill pass), which matters for software WebGL.
      paint: this.online
        ? { 'icon-color': colourByStatus(), 'icon-halo-color': '#02050b', 'icon-halo-width': 1.2 }
        : { 'icon-color': colourByStatus() },
    });
    // The selected drone again, on top of the others and outlined in white.
    this.map.addLayer({
      id: SELECTED_LAYER, type: 'symbol', source: 'drones',
      filter: ['==', ['get', 'id'], NO_ID],
      layout: {
        'icon-image': ARROW,
        'icon-size': size(1.35),
        'icon-rotate': ['get', 'hdg'],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
      paint: { 'icon-color': colourByStatus(), 'icon-halo-color': '#ffffff', 'icon-halo-width': 1.6 },
    });
    this.map.addSource('history-trails', { type: 'geojson', data: EMPTY });
    this.map.addSource('history-flown', { type: 'geojson', data: EMPTY });
    this.map.addSource('history-heads', { type: 'geojson', data: EMPTY });
    this.map.addLayer({
      id: HISTORY_TRAILS_LAYER, type: 'line', source: 'history-trails',
      paint: { 'line-color': '#94a3b8', 'line-width': 1.5, 'line-opacity': 0.45, 'line-dasharray': [2, 2] },
    });
    this.map.addLayer({
      id: HISTORY_FLOWN_LAYER, type: 'line', source: 'history-flown',
      paint: { 'line-color': '#fbbf24', 'line-width': 2.5, 'line-opacity': 0.9 },
    });
    this.map.addLayer({
      id: HISTORY_HEADS_LAYER, type: 'symbol', source: 'history-heads',
      layout: {
        'icon-image': ARROW, 'icon-size': 0.7, 'icon-rotate': ['get', 'hdg'], 'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true, 'icon-ignore-placement': true,
      },
      // No labels: the offline style has no glyphs. The history panel names the drones.
      paint: { 'icon-color': '#fbbf24', 'icon-halo-color': '#ffffff', 'icon-halo-width': 1 },
    });
    this.overlays.attach(SELECTED_RING_LAYER);
    this.map.on('click', (e) => this.onClick(e));
    this.map.on('dblclick', (e) => {
      if (!this.tool?.onDoubleClick) return;
      e.preventDefault();
      this.tool.onDoubleClick();
    });
    this.map.on('mousemove', (e) => {
      if (this.tool) return;
      const hit = this.pick(e, 5) !== null;
      this.map.getCanvas().style.cursor = hit ? 'pointer' : '';
    });
    this.ready = true;
    this.applySelection();
    this.applyTool();
    this.updateGraticule();
  }

  /** The drone nearest to the pointer within a few pixels, if any. */
  private pick(e: MapMouseEvent, radius: number): number | null {
    if (!this.ready) return null;
    const { x, y } = e.point;
    const features = this.map.queryRenderedFeatures([[x - radius, y - radius], [x + radius, y + radius]], { layers: [DRONE_LAYER] });
    let best: number | null = null;
    let bestDistance = Infinity;
    for (const feature of features) {
      const id = feature.properties?.id;
      if (typeof id !== 'number' || feature.geometry.type !== 'Point') continue;
      const p = this.map.project(feature.geometry.coordinates as [number, number]);
      const distance = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = id;
      }
    }
    return best;
  }

  private onClick(e: MapMouseEvent): void {
    const event = e.originalEvent;
    if (this.tool) {
      // The second click of a double-click repeats the first one's point (and finishes a fence: see dblclick).
      if (event.detail >= 2) return;
      this.tool.onClick(wrapLon(e.lngLat.lng), e.lngLat.lat);
      return;
    }
    this.onSelect(this.pick(e, 10), event.shiftKey || event.ctrlKey || event.metaKey);
  }

  /** Arms a tool for map clicks (null: clicks select drones again). */
  setPointTool(tool: PointTool | null): void {
    this.tool = tool;
    this.applyTool();
  }

  private applyTool(): void {
    if (!this.ready) return;
    this.map.getCanvas().style.cursor = this.tool ? 'crosshair' : '';
    // While a tool is armed a double-click places one point (or finishes a fence), it does not zoom.
    if (this.tool) this.map.doubleClickZoom.disable();
    else this.map.doubleClickZoom.enable();
  }

  private readonly tick = () => {
    if (this.destroyed) return;
    this.frame = requestAnimationFrame(this.tick);
    if (this.ready && this.source.alertVersion !== this.drawnAlertVersion) this.applyAlerts();
    if (!this.ready || this.inFlight || this.source.version === this.drawnVersion) return;
    if (performance.now() < this.nextDrawAt) return;
    this.draw();
  };

  /**
   * One setData with every drone the store holds. Called from the animation frame loop when the store changed, at
   * most once per frame and never while the worker still processes the previous one; after each, the next waits
   * for half as long again as the worker took, so the worker is never kept busy more than about two thirds of the
   * time. On a GPU machine that is every frame even at 5,000 drones; on a slow or software-rendered one the map
   * updates less often instead of falling behind.
   */
  private draw(): void {
    const started = performance.now();
    this.drawnVersion = this.source.version;
    const features: GeoJSON.Feature<GeoJSON.Point>[] = new Array(this.source.drones.size);
    const sentAt = this.measureDrawnAge ? new Float64Array(this.source.drones.size) : null;
    let i = 0;
    for (const d of this.source.drones.values()) {
      if (sentAt) sentAt[i] = d.sentAtMs;
      features[i++] = {
        type: 'Feature',
        id: d.id,
        properties: { id: d.id, hdg: d.hdg, status: d.status },
        geometry: { type: 'Point', coordinates: [d.lon, d.lat] },
      };
    }
    features.length = i;
    const geojson = this.map.getSource('drones') as GeoJSONSource | undefined;
    if (!geojson) return;
    this.stats.buildMs = performance.now() - started;
    this.stats.features = i;
    this.stats.updates++;
    this.inFlight = true;
    const sent = performance.now();
    geojson.setData({ type: 'FeatureCollection', features }).then(
      () => {
        const done = performance.now();
        this.stats.workerMs = done - sent;
        this.nextDrawAt = done + Math.min(MAX_IDLE_MS, this.stats.workerMs * IDLE_FACTOR);
        if (sentAt) this.pendingSentAt = sentAt;
      },
      () => { /* the next frame retries with newer data */ },
    ).finally(() => {
      this.inFlight = false;
    });
  }

  /** The primary selection: drawn on top with a white outline. */
  select(id: number | null): void {
    this.selected = id;
    this.applySelection();
  }

  /** Every selected drone (a multi-selection): a cyan ring under each. */
  selectMany(ids: readonly number[]): void {
    this.multiSelected = ids;
    this.applySelection();
  }

  /**
   * History mode: the tracks as trails, the part flown up to {@code t} and each drone where it was at {@code t}; the
   * live drones are hidden meanwhile. {@code null} returns to the live view.
   */
  showHistory(tracks: readonly Track[] | null, t: number): void {
    if (!this.ready) return;
    for (const layer of LIVE_LAYERS) {
      if (this.map.getLayer(layer)) this.map.setLayoutProperty(layer, 'visibility', tracks ? 'none' : 'visible');
    }
    const trails = this.map.getSource('history-trails') as GeoJSONSource | undefined;
    const flown = this.map.getSource('history-flown') as GeoJSONSource | undefined;
    const heads = this.map.getSource('history-heads') as GeoJSONSource | undefined;
    if (!trails || !flown || !heads) return;
    if (!tracks) {
      for (const source of [trails, flown, heads]) source.setData(EMPTY);
      return;
    }
    if (this.historyShown !== tracks) {
      this.historyShown = tracks;
      trails.setData({
        type: 'FeatureCollection',
        features: tracks.filter((tr) => tr.times.length > 1).map((tr) => ({
          type: 'Feature', properties: { id: tr.id },
          geometry: { type: 'LineString', coordinates: tr.lons.map((lon, i) => [lon, tr.lats[i]]) },
        })),
      });
    }
    const flownFeatures: GeoJSON.Feature[] = [];
    const headFeatures: GeoJSON.Feature[] = [];
    for (const tr of tracks) {
      const path = flownPath(tr, t);
      if (path.length > 1) flownFeatures.push({ type: 'Feature', properties: { id: tr.id }, geometry: { type: 'LineString', coordinates: path } });
      const at = positionAt(tr, t);
      if (at) headFeatures.push({ type: 'Feature', properties: { id: tr.id, hdg: at.heading }, geometry: { type: 'Point', coordinates: [at.lon, at.lat] } });
    }
    flown.setData({ type: 'FeatureCollection', features: flownFeatures });
    heads.setData({ type: 'FeatureCollection', features: headFeatures });
  }

  private applyAlerts(): void {
    this.drawnAlertVersion = this.source.alertVersion;
    this.map.setFilter(ALERT_RING_LAYER, ['in', ['get', 'id'], ['literal', [...this.source.alertedDrones()]]]);
  }

  private applySelection(): void {
    if (!this.ready) return;
    const filter: ExpressionSpecification = ['==', ['get', 'id'], this.selected ?? NO_ID];
    this.map.setFilter(SELECTED_LAYER, filter);
    this.map.setFilter(SELECTED_RING_LAYER, filter);
    this.map.setFilter(MULTI_SELECTED_LAYER, ['in', ['get', 'id'], ['literal', this.multiSelected.length > 1 ? [...this.multiSelected] : []]]);
  }

  private updateGraticule(): void {
    const source = this.map.getSource('graticule') as GeoJSONSource | undefined;
    if (!source) return;
    const b = this.map.getBounds();
    source.setData(graticule(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
  }

  /**
   * Show the whole box (the fleet's bounds on first snapshot), without animation, with a margin of 5 % each side:
   * the view becomes the subscription, and drones near its edge should not leave it at once.
   */
  fitTo(box: BBox): void {
    const [w, s, e, n] = box;
    if (e - w < 1e-4 && n - s < 1e-4) {
      this.map.jumpTo({ center: [(w + e) / 2, (s + n) / 2], zoom: 14 });
      return;
    }
    const mx = Math.max((e - w) * 0.05, 0.001);
    const my = Math.max((n - s) * 0.05, 0.001);
    this.map.fitBounds([[w - mx, Math.max(-85, s - my)], [e + mx, Math.min(85, n + my)]], { padding: 40, duration: 0, maxZoom: 15 });
  }

  /** Centre the map on a drone, keeping the zoom unless it is far out. */
  centreOn(drone: Drone): void {
    this.map.easeTo({ center: [drone.lon, drone.lat], zoom: Math.max(this.map.getZoom(), 13), duration: 600 });
  }

  /** The visible area, unwrapped (west may be < -180 or east > 180 when the view crosses the antimeridian). */
  visibleBounds(): BBox {
    const b = this.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  }

  isReady(): boolean {
    return this.ready;
  }

  destroy(): void {
    this.destroyed = true;
    cancelAnimationFrame(this.frame);
    this.map.remove();
  }
}
