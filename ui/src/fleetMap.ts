// The map: MapLibre GL with the drones as one GeoJSON source drawn by WebGL symbol layers (no DOM markers), so
// thousands of drones stay smooth. Works offline with a plain base style; an online raster tile URL is optional.
import maplibregl, { type GeoJSONSource, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { AgeWindow, STATUS_COLORS, STATUSES, type Drone } from './fleet';

export interface MapConfig {
  tileUrl: string | null;
  tileAttribution: string;
}

const ARROW = 'drone-arrow';

/** Grid lines over the visible area at a step that gives roughly ten lines across: the offline base map. */
export function graticule(west: number, south: number, east: number, north: number): GeoJSON.FeatureCollection {
  const span = Math.max(east - west, north - south, 1e-6);
  const raw = span / 10;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= raw) ?? 10 * magnitude;
  const features: GeoJSON.Feature[] = [];
  const s = Math.max(-85, south - step), n = Math.min(85, north + step);
  for (let lon = Math.floor(west / step) * step; lon <= east + step; lon += step) {
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[lon, s], [lon, n]] } });
  }
  for (let lat = Math.floor(s / step) * step; lat <= n; lat += step) {
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[west - step, lat], [east + step, lat]] } });
  }
  return { type: 'FeatureCollection', features };
}

function baseStyle(config: MapConfig): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {
      graticule: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#0d1524' } },
      { id: 'graticule', type: 'line', source: 'graticule', paint: { 'line-color': '#1c2a42', 'line-width': 1 } },
    ],
  };
  if (config.tileUrl) {
    style.sources.tiles = { type: 'raster', tiles: [config.tileUrl], tileSize: 256, attribution: config.tileAttribution };
    style.layers.splice(1, 0, { id: 'tiles', type: 'raster', source: 'tiles', paint: { 'raster-opacity': 0.85 } });
  }
  return style;
}

/** A white arrow pointing north, as an SDF image so the layer can colour it per status. */
function arrowImage(size = 48): { width: number; height: number; data: Uint8Array } {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.beginPath();
  ctx.moveTo(size / 2, 3);
  ctx.lineTo(size - 8, size - 6);
  ctx.lineTo(size / 2, size - 16);
  ctx.lineTo(8, size - 6);
  ctx.closePath();
  ctx.fill();
  const pixels = ctx.getImageData(0, 0, size, size);
  return { width: size, height: size, data: new Uint8Array(pixels.data.buffer) };
}

export class FleetMap {
  readonly map: maplibregl.Map;
  private ready = false;
  /** Sender timestamp to the frame that draws it, per drone, when {@link measureRenderAge} is on. */
  readonly renderAges = new AgeWindow(8192);
  measureRenderAge = false;
  private pendingSentAt: Float64Array | null = null;
  onSelect: (id: number | null) => void = () => {};
  onViewChange: (bounds: maplibregl.LngLatBounds) => void = () => {};

  constructor(container: HTMLElement, config: MapConfig) {
    this.map = new maplibregl.Map({
      container,
      style: baseStyle(config),
      center: [13.405, 52.52],
      zoom: 11,
      attributionControl: config.tileUrl ? {} : false,
      fadeDuration: 0,
    });
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: true }), 'top-left');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.map.on('load', () => {
      this.map.addImage(ARROW, arrowImage(), { sdf: true, pixelRatio: 2 });
      this.map.addSource('drones', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
      this.map.addLayer({
        id: 'drone-selected',
        type: 'circle',
        source: 'drones',
        filter: ['==', ['get', 'id'], -1],
        paint: { 'circle-radius': 16, 'circle-color': 'rgba(255,255,255,0.08)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 },
      });
      const colour: unknown[] = ['match', ['get', 'status']];
      for (const status of STATUSES) colour.push(status, STATUS_COLORS[status]);
      colour.push('#ffffff');
      this.map.addLayer({
        id: 'drones',
        type: 'symbol',
        source: 'drones',
        layout: {
          'icon-image': ARROW,
          'icon-size': ['interpolate', ['linear'], ['zoom'], 4, 0.35, 12, 0.7, 16, 1],
          'icon-rotate': ['get', 'hdg'],
          'icon-rotation-alignment': 'map',
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
        },
        paint: {
          'icon-color': colour as maplibregl.ExpressionSpecification,
          'icon-halo-color': '#05080f',
          'icon-halo-width': 1,
        },
      });
      this.map.on('click', 'drones', (e) => {
        const id = e.features?.[0]?.properties?.id;
        if (typeof id === 'number') this.onSelect(id);
      });
      this.map.on('mouseenter', 'drones', () => (this.map.getCanvas().style.cursor = 'pointer'));
      this.map.on('mouseleave', 'drones', () => (this.map.getCanvas().style.cursor = ''));
      this.ready = true;
      const b = this.map.getBounds();
      (this.map.getSource('graticule') as GeoJSONSource).setData(graticule(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
    });
    // The drones' new positions reach the screen once the worker has processed setData and the next frame is drawn.
    this.map.on('sourcedata', (e) => {
      if (e.sourceId !== 'drones' || !e.isSourceLoaded || !this.pendingSentAt) return;
      const sentAt = this.pendingSentAt;
      this.pendingSentAt = null;
      this.map.once('render', () => {
        const now = Date.now();
        for (let i = 0; i < sentAt.length; i++) this.renderAges.add(now - sentAt[i]);
      });
      this.map.triggerRepaint();
    });
    this.map.on('moveend', () => {
      const b = this.map.getBounds();
      (this.map.getSource('graticule') as GeoJSONSource | undefined)?.setData(
        graticule(b.getWest(), b.getSouth(), b.getEast(), b.getNorth()));
      this.onViewChange(b);
    });
  }

  /** One setData per call with every drone: called at most a few times a second. */
  render(drones: Iterable<Drone>): void {
    if (!this.ready) return;
    const features: GeoJSON.Feature[] = [];
    const sentAt: number[] | null = this.measureRenderAge ? [] : null;
    for (const d of drones) {
      sentAt?.push(d.sentAtMs);
      features.push({
        type: 'Feature',
        properties: { id: d.id, hdg: d.hdg, status: d.status },
        geometry: { type: 'Point', coordinates: [d.lon, d.lat] },
      });
    }
    if (sentAt) this.pendingSentAt = Float64Array.from(sentAt);
    (this.map.getSource('drones') as GeoJSONSource).setData({ type: 'FeatureCollection', features });
  }

  select(id: number | null): void {
    if (this.ready) this.map.setFilter('drone-selected', ['==', ['get', 'id'], id ?? -1]);
  }

  fitTo(box: [number, number, number, number]): void {
    const [w, s, e, n] = box;
    const pad = 0.002;
    this.map.fitBounds([[w - pad, s - pad], [e + pad, n + pad]], { padding: 40, duration: 0, maxZoom: 15 });
  }

  isReady(): boolean {
    return this.ready;
  }
}
