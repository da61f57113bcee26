// The map: MapLibre GL, with the live drones drawn on a WebGL canvas of their own over it, straight from the fleet's
// columns (droneOverlay.ts: no GeoJSON, no tiling, positions predicted from states, at most one draw per animation
// frame, and a frame that moves drones does not repaint the map), so thousands of drones stay smooth. History tracks,
// geofences and orders are small GeoJSON sources of the map. Offline by default:
// a plain style with a client-side graticule, no glyphs, sprites or tiles; an online raster tile URL is optional.
import {
  Map as MapLibreMap, NavigationControl, ScaleControl, AttributionControl, setWorkerUrl,
  type GeoJSONSource, type MapMouseEvent, type StyleSpecification,
} from 'maplibre-gl';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import 'maplibre-gl/dist/maplibre-gl.css';
import { flownPath, positionAt, type Track } from './history';
import { graticule, wrapLon, type BBox } from './geo';
import { MapOverlays, TARGET_LAYERS } from './mapOverlays';
import { DroneOverlay, type LiveFleet } from './droneOverlay';
import type { LiveFleetClient } from './fleet/liveFleetClient';
import type { Drone } from './model';
import type { SampleWindow } from './stats';

// The worker is a separate file in MapLibre 6: point it at the copy Vite ships with the build (same origin).
setWorkerUrl(workerUrl);

export interface MapConfig {
  tileUrl: string | null;
  tileAttribution: string;
}

/** What the map draws from: the store's columns, its change counters and the alerted drones. */
export type DroneSource = LiveFleet;

export const BACKGROUND_COLOR = '#0b1220';
const ARROW = 'drone-arrow';
/** History mode: whole tracks (dim), the part flown up to the scrubber, and each drone where it was then. */
export const HISTORY_TRAILS_LAYER = 'history-trails';
export const HISTORY_FLOWN_LAYER = 'history-flown';
export const HISTORY_HEADS_LAYER = 'history-heads';
/** Hidden with the live drones in history mode. */
const LIVE_LAYERS = TARGET_LAYERS;
const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

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

/**
 * While armed, map clicks go to the tool (a goto target, mission waypoints, fence vertices) instead of selecting
 * drones, and a double-click does not zoom (a tool with `onDoubleClick` gets it instead).
 */
export interface PointTool {
  onClick: (lon: number, lat: number) => void;
  onDoubleClick?: () => void;
}

export class FleetMap {
  readonly map: MapLibreMap;
  /** The live drones (what the last frame drew: `drones.drawn`). */
  readonly drones: DroneOverlay;
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
  private historyShown: readonly Track[] | null = null;

  /** `worker`: the fleet worker that draws the drones, where the browser has one (else they are drawn here from `source`). */
  constructor(container: HTMLElement, config: MapConfig, source: DroneSource, worker: LiveFleetClient | null = null) {
    this.drones = new DroneOverlay(source, worker);
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
  }

  /**
   * Drawn age per state (a state's send time to the commit of the first frame that drew the drone at it), sampled,
   * while {@link measureDrawnAge}: how long an update takes to reach the screen.
   */
  get drawnAges(): SampleWindow {
    return this.drones.drawnAges;
  }

  /** Drawn staleness per frame (now − send time of the newest state drawn, at the frame's commit), sampled, likewise. */
  get drawnStaleness(): SampleWindow {
    return this.drones.drawnStaleness;
  }

  get measureDrawnAge(): boolean {
    return this.drones.measureDrawnAge;
  }

  set measureDrawnAge(on: boolean) {
    this.drones.measureDrawnAge = on;
  }

  private onLoad(): void {
    this.map.addImage(ARROW, arrowImage(), { sdf: true, pixelRatio: 2 });
    this.drones.attach(this.map);
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
    // Geofences under the history trails, the orders and drawings over them (the live drones are over everything).
    this.overlays.attach(HISTORY_TRAILS_LAYER);
    this.map.on('click', (e) => this.onClick(e));
    this.map.on('dblclick', (e) => {
      if (!this.tool?.onDoubleClick) return;
      e.preventDefault();
      this.tool.onDoubleClick();
    });
    this.map.on('mousemove', (e) => {
      if (this.tool) return;
      void this.pick(e, 5).then((id) => {
        if (!this.tool) this.map.getCanvas().style.cursor = id !== null ? 'pointer' : '';
      });
    });
    this.ready = true;
    this.applySelection();
    this.applyTool();
    this.updateGraticule();
  }

  /** The drone nearest to the pointer within a few pixels, if any (where the last frame drew it). */
  private pick(e: MapMouseEvent, radius: number): Promise<number | null> {
    if (!this.ready) return Promise.resolve(null);
    return this.drones.pick(e.point.x, e.point.y, radius);
  }

  private onClick(e: MapMouseEvent): void {
    const event = e.originalEvent;
    if (this.tool) {
      // The second click of a double-click repeats the first one's point (and finishes a fence: see dblclick).
      if (event.detail >= 2) return;
      this.tool.onClick(wrapLon(e.lngLat.lng), e.lngLat.lat);
      return;
    }
    const additive = event.shiftKey || event.ctrlKey || event.metaKey;
    void this.pick(e, 10).then((id) => this.onSelect(id, additive));
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
    this.drones.setHidden(tracks !== null);
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

  private applySelection(): void {
    this.drones.select(this.selected, this.multiSelected);
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
    this.drones.detach();
    this.map.remove();
  }
}
