// The live drones on the map: a canvas of their own laid over MapLibre's, following its camera (mapCamera.ts), drawn by
// droneRenderer.ts. Why not a MapLibre custom layer (what this was): a custom layer is drawn inside the map's frame, so
// every frame that only moves drones repainted the whole map, and in software WebGL (the test browser, many operators'
// VMs) that is CPU work on the page's main thread. The price: the drones are drawn over every map layer.
//
// Where the browser can (OffscreenCanvas with WebGL2: Chromium 69+, Firefox 105+, Safari 17+) the canvas is handed to
// the fleet worker, which draws from its own columns (fleet/liveFleet.ts): the page's main thread only reads the map's
// camera and posts it when it moved, and asks the worker which drone is under a click. Elsewhere (Safari before 17, a
// browser without workers) the renderer runs here, on the page's canvas, its data frames paced to a quarter of the
// main thread. The camera is read in each animation frame and again after each map repaint (MapLibre moves the camera
// inside its own frame while it animates), so drones and map move together; with the worker drawing, a drone frame
// may reach the screen one frame after the map's while the camera animates.
import type { Map as MapLibreMap } from 'maplibre-gl';
import {
  choosePainter, DroneRenderer, PAGE_FRAME_SHARE, painterChoice, type DronePainterKind, type DrawnFrame, type LiveFleet,
} from './droneRenderer';
import type { LiveFleetClient } from './fleet/liveFleetClient';
import { mercatorX, mercatorY } from './fleet/motion';
import { cameraOf, copyCamera, emptyCamera, sameCamera, toScreen, type CameraState } from './mapCamera';
import { SampleWindow } from './stats';

export { arrowSize, type LiveFleet } from './droneRenderer';

export class DroneOverlay {
  private map: MapLibreMap | null = null;
  private canvas: HTMLCanvasElement | null = null;
  /** On this thread when there is no worker to draw in. */
  private renderer: DroneRenderer | null = null;
  private readonly camera = emptyCamera();
  /** The camera the worker was last told about. */
  private readonly sentCamera = emptyCamera();
  private readonly cameraState: CameraState = {
    lng: 0, lat: 0, zoom: 0, bearing: 0, padding: { top: 0, bottom: 0, left: 0, right: 0 }, width: 0, height: 0,
  };
  private hiddenNow = false;
  private measuring = false;
  private raf = 0;
  private dpr = 1;
  private readonly noAges = new SampleWindow(1);
  private readonly noStaleness = new SampleWindow(1);
  private readonly localDrawn: DrawnFrame = { frames: 0, drones: 0, alertRings: 0, selected: null, multiSelected: [] };
  private selected: number | null = null;
  private multiSelected: readonly number[] = [];

  /** `remote`: the fleet worker that draws (null: draw here from `fleet`, the page's store). */
  constructor(private readonly fleet: LiveFleet, private readonly remote: LiveFleetClient | null) {}

  /** Where the drones are drawn: 'worker' (OffscreenCanvas in the fleet worker) or 'page'. */
  get drawnIn(): 'worker' | 'page' {
    return this.remote ? 'worker' : 'page';
  }

  /** How the drones are painted: 'webgl', or 'canvas2d' where WebGL has no GPU (null until known). */
  get painter(): DronePainterKind | null {
    return this.remote ? this.remote.painter : this.renderer?.painterKind ?? null;
  }

  /** What the last frame drew, for the browser test and the bench. */
  get drawn(): DrawnFrame {
    return this.remote?.drawn ?? this.renderer?.drawn ?? this.localDrawn;
  }

  /**
   * Drawn age per state (send time to the commit of the first frame that drew the drone at that state), sampled, while
   * measuring: see DroneRenderer.drawnAges.
   */
  get drawnAges(): SampleWindow {
    return this.remote?.drawnAges ?? this.renderer?.drawnAges ?? this.noAges;
  }

  /** Drawn staleness per frame (now − send time of the newest state drawn, at the commit), sampled, while measuring. */
  get drawnStaleness(): SampleWindow {
    return this.remote?.drawnStaleness ?? this.renderer?.drawnStaleness ?? this.noStaleness;
  }

  get measureDrawnAge(): boolean {
    return this.measuring;
  }

  set measureDrawnAge(on: boolean) {
    this.measuring = on;
    if (this.renderer) this.renderer.measureDrawnAge = on;
    this.remote?.send({ kind: 'measure', on });
  }

  /** Lays the overlay's canvas over the map's (under markers and controls) and starts drawing. */
  attach(map: MapLibreMap): void {
    this.map = map;
    const canvas = document.createElement('canvas');
    canvas.className = 'drone-overlay';
    canvas.dataset.testid = 'drone-overlay';
    canvas.dataset.drawnIn = this.drawnIn;
    // Clicks and drags go through to the map (picking is ours: see pick()).
    canvas.style.cssText = 'position:absolute;left:0;top:0;pointer-events:none;';
    map.getCanvas().after(canvas);
    this.canvas = canvas;
    const { width, height } = this.size();
    if (this.remote) {
      this.remote.attachCanvas(canvas, width, height, this.dpr);
      this.raf = requestAnimationFrame(this.frame);
    } else {
      const renderer = new DroneRenderer(this.fleet, canvas, {
        // The camera is read in the renderer's own animation frame, just before it may draw.
        requestFrame: (callback) => requestAnimationFrame((now) => {
          if ((window.devicePixelRatio || 1) !== this.dpr) this.onResize();
          this.readCamera();
          renderer.setCamera(this.camera);
          callback(now);
        }),
        cancelFrame: (handle) => cancelAnimationFrame(handle),
      }, PAGE_FRAME_SHARE, choosePainter(painterChoice(location.search)));
      renderer.resize(width, height, this.dpr);
      renderer.measureDrawnAge = this.measuring;
      renderer.select(this.selected, this.multiSelected);
      renderer.setHidden(this.hiddenNow);
      this.renderer = renderer;
      renderer.start();
    }
    this.sendView();
    map.on('resize', this.onResize);
    map.on('render', this.onMapRender);
  }

  detach(): void {
    cancelAnimationFrame(this.raf);
    const map = this.map;
    if (map) {
      map.off('resize', this.onResize);
      map.off('render', this.onMapRender);
    }
    this.renderer?.stop();
    this.renderer = null;
    this.canvas?.remove();
    this.canvas = null;
    this.map = null;
  }

  /** History mode hides the live drones. */
  get hidden(): boolean {
    return this.hiddenNow;
  }

  select(id: number | null, many: readonly number[]): void {
    this.selected = id;
    this.multiSelected = many;
    this.renderer?.select(id, many);
    this.remote?.send({ kind: 'select', id, many: [...many] });
  }

  setHidden(hidden: boolean): void {
    this.hiddenNow = hidden;
    if (this.canvas) this.canvas.style.display = hidden ? 'none' : '';
    this.renderer?.setHidden(hidden);
    this.remote?.send({ kind: 'hidden', hidden });
  }

  /**
   * The drone drawn nearest to a point of the map's canvas (CSS px), within `radius` px; null when none is. Uses the
   * positions and the camera of the last frame drawn, i.e. where the operator saw the drones (the worker answers
   * when it draws them).
   */
  pick(x: number, y: number, radius: number): Promise<number | null> {
    if (this.hiddenNow) return Promise.resolve(null);
    if (this.remote) return this.remote.pick(x, y, radius);
    return Promise.resolve(this.renderer?.pick(x, y, radius) ?? null);
  }

  /** Where the overlay draws a longitude and latitude (CSS px on the map's canvas): for the browser test's comparison with MapLibre. */
  project(lon: number, lat: number): { x: number; y: number } {
    this.readCamera();
    return toScreen(this.camera, mercatorX(lon), mercatorY(lat), { x: 0, y: 0 });
  }

  /** With the worker drawing: each animation frame, tell it the camera if it moved. */
  private readonly frame = () => {
    if (!this.map) return;
    this.raf = requestAnimationFrame(this.frame);
    if ((window.devicePixelRatio || 1) !== this.dpr) this.onResize();
    this.readCamera();
    this.sendCamera();
  };

  /** After each map repaint: the camera may have moved inside MapLibre's frame (an animation); keep the drones with it. */
  private readonly onMapRender = () => {
    if (this.hiddenNow) return;
    this.readCamera();
    if (this.renderer) {
      this.renderer.setCamera(this.camera);
      this.renderer.followCamera();
    } else {
      this.sendCamera();
    }
  };

  private readonly onResize = () => {
    const { width, height } = this.size();
    this.renderer?.resize(width, height, this.dpr);
    this.remote?.send({ kind: 'resize', width, height, dpr: this.dpr });
  };

  private sendCamera(): void {
    if (!this.remote || sameCamera(this.camera, this.sentCamera)) return;
    copyCamera(this.camera, this.sentCamera);
    this.remote.camera(this.camera);
  }

  /** The selection and history mode as they were before the canvas existed. */
  private sendView(): void {
    this.select(this.selected, this.multiSelected);
    this.setHidden(this.hiddenNow);
    this.measureDrawnAge = this.measuring;
  }

  /** The map canvas's CSS size; sets the overlay canvas's CSS size (its drawing buffer is the renderer's business). */
  private size(): { width: number; height: number } {
    const map = this.map;
    const canvas = this.canvas;
    if (!map || !canvas) return { width: 0, height: 0 };
    const { clientWidth: width, clientHeight: height } = map.getCanvas();
    this.dpr = window.devicePixelRatio || 1;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    this.cameraState.width = width;
    this.cameraState.height = height;
    return { width, height };
  }

  private readCamera(): void {
    const map = this.map;
    if (!map) return;
    const s = this.cameraState;
    const centre = map.getCenter();
    const padding = map.getPadding();
    s.lng = centre.lng;
    s.lat = centre.lat;
    s.zoom = map.getZoom();
    s.bearing = map.getBearing();
    s.padding.top = padding.top ?? 0;
    s.padding.bottom = padding.bottom ?? 0;
    s.padding.left = padding.left ?? 0;
    s.padding.right = padding.right ?? 0;
    cameraOf(s, this.camera);
  }
}
