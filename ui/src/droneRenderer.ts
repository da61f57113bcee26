// Draws the live drones on a WebGL2 canvas laid over the map: the page's own canvas (DroneOverlay on the main thread,
// where OffscreenCanvas is missing) or, in the browsers that have it, an OffscreenCanvas in the fleet worker
// (fleet/liveFleet.ts), so that neither the drawing nor the canvas's read-back for a software compositor takes the
// page's main thread. Straight from the fleet's columns: an arrow per drone rotated by heading, coloured by status, rings
// for alerts and selection, painted with WebGL (one small program of point sprites) or, where WebGL itself is drawn in
// software (SwiftShader, llvmpipe: no GPU), with Canvas 2D (see DronePainter below). It draws at most once per animation frame and only
// when there is something new: the fleet changed or a drone still moves (fleet/motion.ts; both at most as often as
// FramePacer allows), the selection or the camera changed. Positions are sent relative to the view's centre (computed
// in doubles), so float32 keeps them exact at any zoom. Nothing here touches the DOM: the camera, the size and the
// selection are handed in.
import { mercatorX, mercatorY, Motion } from './fleet/motion';
import type { FleetColumns, Names } from './fleet/columns';
import {
  clipTransform, copyCamera, emptyCamera, sameCamera, toScreen, WORLD_TILE_SIZE, wrapDx, type Camera,
} from './mapCamera';
import { ArrowMasks, headingBucket, PixelFrame, ringMask, type Mask } from './droneSprites';
import { STATUS_COLORS, UNKNOWN_STATUS_COLOR } from './model';
import { SampleWindow } from './stats';
import { FramePacer } from './timing';

/** What the renderer reads: a fleet's columns and the alerted drones (the page's store, or the worker's own). */
export interface LiveFleet {
  readonly columns: FleetColumns;
  readonly statuses: Names;
  readonly version: number;
  readonly alertVersion: number;
  alertedDrones(): Set<number>;
}

/** What the last frame drew, for the browser test and the bench. */
export interface DrawnFrame {
  /** Frames drawn since the start (drone frames, not the page's animation frames). */
  frames: number;
  drones: number;
  alertRings: number;
  selected: number | null;
  multiSelected: number[];
}

/** Where the renderer runs: its clock, its animation frames. */
export interface RenderHost {
  requestFrame(callback: (now: number) => void): number;
  cancelFrame(handle: number): void;
}

export type AnyCanvas = HTMLCanvasElement | OffscreenCanvas;

/**
 * How the drones are painted. 'webgl': point sprites in one draw call per kind. 'canvas2d': pre-rasterised masks stamped into
 * one image per frame (droneSprites.ts). Where
 * WebGL has a GPU it is the cheaper. Where it has none (Chromium's SwiftShader, Mesa's llvmpipe: VMs, headless test
 * browsers, machines without drivers) each WebGL frame is drawn by another process and read back for the software
 * compositor, and the drawing thread waits for both: at 1,000 drones in the bench's Chromium the fleet worker spent
 * most of its time in that wait (`CommandBufferProxyImpl::WaitForGetOffset` under `GLES2::ReadPixels`), a frame cost
 * ~120 ms against a blank page's ~37, so the pacer allowed ~4 drone frames/s. Canvas 2D there is drawn in the drawing
 * thread itself, into memory the compositor reads: no second process, no read-back, no wait (docs/performance.md,
 * "Drones in Canvas 2D where WebGL has no GPU", "Drones as stamped masks").
 */
export type DronePainterKind = 'webgl' | 'canvas2d';
export type DronePainterChoice = DronePainterKind | 'auto';

/** `?drones=webgl` or `?drones=canvas2d` in the page's address forces a painter (the bench compares them); else 'auto'. */
export function painterChoice(search: string): DronePainterChoice {
  const value = new URLSearchParams(search).get('drones');
  return value === 'webgl' || value === 'canvas2d' ? value : 'auto';
}

/** A WebGL renderer string of a software implementation (no GPU). */
export function isSoftwareRenderer(renderer: string): boolean {
  return /SwiftShader|llvmpipe|softpipe|Software Rasterizer|Microsoft Basic Render/i.test(renderer);
}

/** The painter for this thread: the one asked for, else Canvas 2D where WebGL2 is missing or drawn in software. */
export function choosePainter(choice: DronePainterChoice): DronePainterKind {
  if (choice !== 'auto') return choice;
  let probe: OffscreenCanvas | HTMLCanvasElement | null = null;
  try {
    if (typeof OffscreenCanvas === 'function') probe = new OffscreenCanvas(1, 1);
    else if (typeof document !== 'undefined') probe = document.createElement('canvas');
    const gl = probe?.getContext('webgl2') as WebGL2RenderingContext | null | undefined;
    if (!gl) return 'canvas2d';
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return isSoftwareRenderer(renderer) ? 'canvas2d' : 'webgl';
  } catch {
    return 'canvas2d';
  }
}

const FLOATS = 4; // per vertex: x, y (relative to the centre), heading (rad), colour index
const PALETTE_UNKNOWN = 7;
const MODE_ARROW = 0;
const MODE_RING = 1;
/** Ring radii and colours in CSS px, as the symbol layers they replaced drew them. */
interface RingSpec {
  radius: number;
  stroke: number;
  rgb: [number, number, number];
  fill: number;
}
function ringSpec(radius: number, stroke: number, rgb: [number, number, number], fill: number): RingSpec {
  return { radius, stroke, rgb, fill };
}
const ALERT_RING = ringSpec(11, 2, [0xf4, 0x3f, 0x5e], 0.18);
const MULTI_RING = ringSpec(12, 2, [0x22, 0xd3, 0xee], 0.1);
const SELECTED_RING = ringSpec(15, 2, [0xff, 0xff, 0xff], 0.1);
/** The selected drone's outline. */
const WHITE: readonly [number, number, number, number] = [1, 1, 1, 1];
/**
 * Frames drawn for new data or to move drones come at most this often (every other frame at 60/s): smooth
 * enough for drones, and in software compositing each frame of a WebGL canvas costs the main thread a read-back of
 * the whole canvas (the blank WebGL page spends most of its main thread there), so fewer drone frames leave the page's
 * frames to everything else. A moved camera and a changed selection draw at the next frame.
 */
export const DRONE_FRAME_MS = 30;
/**
 * Data frames drawn on the page's main thread take at most this share of it (timing.ts, FramePacer): at 1,000 drones
 * in software WebGL on a loaded two-core machine a frame's commit waited a second and more for the GPU process, and
 * drawing the next as soon as data came left no time for clicks (the browser test's clicks timed out at 15 s). A moved
 * camera and a changed selection still draw at the next frame.
 */
export const PAGE_FRAME_SHARE = 0.25;
/**
 * In the fleet worker a frame's cost is the worker's, not the page's: clicks do not wait behind it. It still shares the
 * GPU process (SwiftShader: CPU) with the map, so data frames take at most half of the worker's time.
 */
export const WORKER_FRAME_SHARE = 0.5;
/**
 * In the fleet worker data frames may come at every animation frame: DRONE_FRAME_MS's reason (the read-back on the page's
 * main thread) does not apply there, and on a machine with a core to spare the pacer's share (the frame's cost / 0.5)
 * keeps them below every frame only where a frame is dear. At every other frame the dashboard could never draw drones
 * more than half as often as a blank page at 60 Hz (docs/performance.md, "The dashboard at 1,000 drones: where the
 * browser's CPU goes").
 */
export const WORKER_DRONE_FRAME_MS = 0;
/** However costly frames are, new data is drawn at least this often. */
const DRONE_FRAME_MAX_MS = 2000;
/** Animation frames further apart than this are "slow"; after SLOW_FRAMES of them drones jump to new states, unblended and unpredicted. */
const SLOW_FRAME_MS = 150;
const SLOW_FRAMES = 5;
/**
 * At most this many drawn-staleness samples per frame (a sample of the drones, rotating), and as many drawn-age samples
 * (a sample of the states the frame was the first to draw), so measuring costs little.
 */
export const DRAWN_SAMPLES_PER_FRAME = 512;
/** Drawn-age samples of frames not yet committed are bounded (beyond, a frame's samples are left out). */
const MAX_UNCOMMITTED_STATES = 4 * DRAWN_SAMPLES_PER_FRAME;

const VERTEX = `#version 300 es
precision highp float;
in vec2 a_pos;
in float a_angle;
in float a_colour;
uniform mat2 u_matrix;
uniform vec2 u_offset;
uniform float u_size;
uniform float u_bearing;
uniform vec3 u_palette[8];
out float v_angle;
out vec3 v_colour;
void main() {
  gl_Position = vec4(u_matrix * a_pos + u_offset, 0.0, 1.0);
  gl_PointSize = u_size;
  v_angle = a_angle - u_bearing;
  v_colour = u_palette[int(a_colour)];
}`;

// The arrow of the old SDF icon: tip, right wing, notch, left wing (y up, the box is [-1, 1]²).
const FRAGMENT = `#version 300 es
precision highp float;
in float v_angle;
in vec3 v_colour;
uniform int u_mode;
uniform vec4 u_solid;
uniform float u_ring;
uniform float u_ringFill;
out vec4 colour;
float side(vec2 p, vec2 a, vec2 b) { return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x); }
bool inTriangle(vec2 p, vec2 a, vec2 b, vec2 c) {
  float d1 = side(p, a, b); float d2 = side(p, b, c); float d3 = side(p, c, a);
  return !((d1 < 0.0 || d2 < 0.0 || d3 < 0.0) && (d1 > 0.0 || d2 > 0.0 || d3 > 0.0));
}
void main() {
  vec2 q = vec2(gl_PointCoord.x * 2.0 - 1.0, 1.0 - gl_PointCoord.y * 2.0);
  if (u_mode == 1) {
    float r = length(q);
    if (r > 1.0) discard;
    float a = r >= 1.0 - u_ring ? u_solid.a : u_ringFill;
    colour = vec4(u_solid.rgb * a, a);
    return;
  }
  float c = cos(v_angle); float s = sin(v_angle);
  vec2 p = vec2(q.x * c - q.y * s, q.x * s + q.y * c);
  vec2 tip = vec2(0.0, 0.8125); vec2 right = vec2(0.625, -0.75); vec2 notch = vec2(0.0, -0.40625); vec2 left = vec2(-0.625, -0.75);
  if (!inTriangle(p, tip, right, notch) && !inTriangle(p, tip, notch, left)) discard;
  colour = u_solid.a > 0.0 ? u_solid : vec4(v_colour, 1.0);
}`;

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
}

/** The arrow's size in CSS px at a zoom (the old symbol layer's curve: 32 px × 0.3 at z2 … 0.8 at z16). */
export function arrowSize(zoom: number): number {
  const stops: [number, number][] = [[2, 0.3], [8, 0.45], [12, 0.6], [16, 0.8]];
  if (zoom <= stops[0][0]) return 32 * stops[0][1];
  for (let i = 1; i < stops.length; i++) {
    const [z1, s1] = stops[i];
    const [z0, s0] = stops[i - 1];
    if (zoom <= z1) return 32 * (s0 + ((zoom - z0) / (z1 - z0)) * (s1 - s0));
  }
  return 32 * stops[stops.length - 1][1];
}


export class DroneRenderer {
  readonly motion = new Motion();
  /**
   * Drawn age, per state (sampled): from a state's send time to the commit of the first frame that drew the drone at
   * that state (its correction done: fleet/motion.ts), i.e. how long an update takes to be reflected on the screen.
   * Taken when the frame's commit is done (the first task after it): when the frame reaches the compositor, not when
   * its JavaScript ran.
   */
  readonly drawnAges = new SampleWindow(16384);
  /**
   * Drawn staleness, per frame (sampled drones): now − the send time of the newest state the frame draws the drone at,
   * at the frame's commit. Includes the time since the drone's last report (up to its update interval, and more for a
   * drone that stopped reporting), so it is at least the drawn age of that state.
   */
  readonly drawnStaleness = new SampleWindow(16384);
  measureDrawnAge = false;
  readonly drawn: DrawnFrame = { frames: 0, drones: 0, alertRings: 0, selected: null, multiSelected: [] };
  /** The thread's time for the last frame drawn, ms (its JavaScript only; `pacer.frameCostMs` is the whole frame). */
  lastRenderMs = 0;
  /** When data frames may come (their cost measured from each frame drawn by the animation frame loop). */
  readonly pacer: FramePacer;
  /** After each frame drawn (the worker tells the page what it drew). */
  onDrawn: () => void = () => {};
  /**
   * After each measured frame's commit, with the drawn-age and drawn-staleness samples it added (the worker forwards
   * them to the page).
   */
  onCommitted: (ages: Float64Array, ageCount: number, staleness: Float64Array, stalenessCount: number) => void = () => {};

  private readonly painter: DronePainter;
  private vertices = new Float32Array(0);
  private readonly palette = new Float32Array(8 * 3);
  private paletteFor = -1;
  private readonly paletteIndex = new Uint8Array(256);
  /** The camera now, and the one the last frame was drawn with (what picking uses: where the operator saw drones). */
  private readonly camera = emptyCamera();
  private readonly drawnCamera = emptyCamera();
  private readonly point = { x: 0, y: 0 };
  private hasFrame = false;
  private selected: number | null = null;
  private multiSelected: readonly number[] = [];
  private hiddenNow = false;
  /** The next animation frame must draw (besides for new data, a moved camera or moving drones). */
  private dirty = true;
  private drawnVersion = -1;
  private alertVersion = -1;
  private alerted = new Set<number>();
  private moving = false;
  private lastDrawAt = 0;
  private lastFrameAt = 0;
  private slowFrames = 0;
  private sampleFrom = 0;
  private raf = 0;
  private running = false;
  private dpr = 1;
  /** A task queued behind the frame's commit tells what the frame cost (one measurement at a time). */
  private readonly afterCommit = new MessageChannel();
  private measuringFrom = -1;
  /** The send times of the newest states drawn by the frame being committed (a sample of its drones): drawn staleness. */
  private readonly committing = new Float64Array(DRAWN_SAMPLES_PER_FRAME);
  private committingCount = 0;
  private readonly committedStaleness = new Float64Array(DRAWN_SAMPLES_PER_FRAME);
  /**
   * The send times of the states first drawn by frames not yet committed (a sample): drawn age. The first
   * `statesInFlight` are the measured frame's and those before it; a frame drawn while another's commit is awaited adds
   * its own after them, stamped at the next measured frame's commit (later than its own: an over- not an underestimate).
   */
  private readonly uncommittedStates = new Float64Array(MAX_UNCOMMITTED_STATES);
  private uncommittedCount = 0;
  private statesInFlight = 0;
  private landedPhase = 0;
  private readonly committedAges = new Float64Array(MAX_UNCOMMITTED_STATES);

  constructor(
    private readonly fleet: LiveFleet,
    private readonly canvas: AnyCanvas,
    private readonly host: RenderHost,
    share: number,
    painter: DronePainterKind = 'webgl',
    minFrameMs: number = DRONE_FRAME_MS,
  ) {
    this.pacer = new FramePacer(minFrameMs, share, DRONE_FRAME_MAX_MS);
    this.afterCommit.port1.onmessage = () => this.committed();
    const restored = () => {
      this.paletteFor = -1;
      this.dirty = true;
    };
    this.painter = painter === 'canvas2d' ? new CanvasPainter(canvas) : new GlPainter(canvas, restored);
  }

  /** How this renderer paints. */
  get painterKind(): DronePainterKind {
    return this.painter.kind;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.raf = this.host.requestFrame(this.frame);
  }

  stop(): void {
    this.running = false;
    this.host.cancelFrame(this.raf);
    this.afterCommit.port1.close();
    this.painter.dispose();
  }

  get hidden(): boolean {
    return this.hiddenNow;
  }

  /** The canvas's size in CSS px and the device pixel ratio (the drawing buffer is their product). */
  resize(width: number, height: number, dpr: number): void {
    this.dpr = dpr;
    this.canvas.width = Math.max(1, Math.round(width * dpr));
    this.canvas.height = Math.max(1, Math.round(height * dpr));
    this.dirty = true;
  }

  /** The map's camera now (the next animation frame draws with it when it moved). */
  setCamera(camera: Camera): void {
    copyCamera(camera, this.camera);
  }

  select(id: number | null, many: readonly number[]): void {
    this.selected = id;
    this.multiSelected = many;
    this.dirty = true;
  }

  setHidden(hidden: boolean): void {
    this.hiddenNow = hidden;
    if (hidden) {
      this.drawn.drones = 0;
      this.drawn.alertRings = 0;
    }
    this.dirty = true;
  }

  /** Draws now if the camera moved since the last frame (the page's map moved it inside its own frame). */
  followCamera(): void {
    if (!this.painter.ready || this.hiddenNow) return;
    if (!sameCamera(this.camera, this.drawnCamera)) this.draw(performance.now());
  }

  /**
   * The drone drawn nearest to a point of the map's canvas (CSS px), within `radius` px; null when none is. Uses the
   * positions and the camera of the last frame drawn, i.e. where the operator saw the drones.
   */
  pick(x: number, y: number, radius: number): number | null {
    if (!this.hasFrame || this.hiddenNow) return null;
    const c = this.fleet.columns;
    const mo = this.motion;
    const p = this.point;
    let best: number | null = null;
    let bestDistance = radius * radius;
    for (let s = 0; s < c.end && s < mo.capacity; s++) {
      if (!mo.shown[s] || !c.used[s]) continue;
      toScreen(this.drawnCamera, mo.x[s], mo.y[s], p);
      const distance = (p.x - x) ** 2 + (p.y - y) ** 2;
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = c.id[s];
      }
    }
    return best;
  }

  private readonly frame = (now: number) => {
    if (!this.running) return;
    this.raf = this.host.requestFrame(this.frame);
    // A thread that cannot keep frames coming gets the newest states drawn, not motion it would show late.
    if (this.lastFrameAt > 0) {
      const slow = now - this.lastFrameAt > SLOW_FRAME_MS;
      this.slowFrames = slow ? Math.min(this.slowFrames + 1, 2 * SLOW_FRAMES) : Math.max(this.slowFrames - 1, 0);
      this.motion.glide = this.slowFrames < SLOW_FRAMES;
    }
    this.lastFrameAt = now;
    if (!this.painter.ready || (this.hiddenNow && !this.dirty)) return;
    const fleet = this.fleet;
    const changed = fleet.version !== this.drawnVersion || fleet.alertVersion !== this.alertVersion || this.moving;
    if (this.dirty || !sameCamera(this.camera, this.drawnCamera) || (changed && this.pacer.due(now, this.lastDrawAt))) {
      const measure = this.measuringFrom < 0;
      this.draw(performance.now(), measure);
      // The frame's own time, so that "every other frame" is not missed by the few ms this frame started late.
      this.lastDrawAt = now;
      // What this frame costs shows once its commit (the canvas read-back) is done: a message posted now is handled in
      // the first task after the frame's.
      if (measure) {
        this.measuringFrom = now;
        this.afterCommit.port2.postMessage(null);
      }
    }
  };

  /**
   * The first task after a measured frame's commit: its cost, and (while measuring) the age of what it drew as it
   * reached the screen: drawn age of the states it was the first to draw, drawn staleness of a sample of its drones.
   */
  private committed(): void {
    this.pacer.record(performance.now() - this.measuringFrom);
    this.measuringFrom = -1;
    const n = this.committingCount;
    const states = this.statesInFlight;
    this.committingCount = 0;
    this.statesInFlight = 0;
    if (n === 0 && states === 0) return;
    const now = Date.now();
    const staleness = this.committedStaleness;
    for (let i = 0; i < n; i++) {
      staleness[i] = now - this.committing[i];
      this.drawnStaleness.add(staleness[i], now);
    }
    const ages = this.committedAges;
    const pending = this.uncommittedStates;
    for (let i = 0; i < states; i++) {
      ages[i] = now - pending[i];
      this.drawnAges.add(ages[i], now);
    }
    pending.copyWithin(0, states, this.uncommittedCount);
    this.uncommittedCount -= states;
    this.onCommitted(ages, states, staleness, n);
  }

  /** Draws a frame; `measured`: its commit will be awaited (committed()), so it may carry drawn-age samples. */
  private draw(started: number, measured = false): void {
    const painter = this.painter;
    if (!painter.ready) return;
    const fleet = this.fleet;
    const c = fleet.columns;
    this.dirty = false;
    this.drawnVersion = fleet.version;
    this.lastDrawAt = started;
    this.drawn.frames++;
    copyCamera(this.camera, this.drawnCamera);
    if (this.hiddenNow) {
      this.moving = false;
      this.drawn.drones = 0;
      this.drawn.alertRings = 0;
      painter.clear();
      this.onDrawn();
      return;
    }
    this.moving = this.motion.advance(c, started);
    this.updatePalette();
    const camera = this.drawnCamera;
    this.hasFrame = true;

    // The vertices: every drone, then the alert rings, the multi-selection rings and the selected drone (drawn again).
    if (fleet.alertVersion !== this.alertVersion) {
      this.alertVersion = fleet.alertVersion;
      this.alerted = fleet.alertedDrones();
    }
    const alerted = this.alerted;
    const need = (c.end + alerted.size + this.multiSelected.length + 2) * FLOATS;
    if (this.vertices.length < need) this.vertices = new Float32Array(Math.max(need, this.vertices.length * 2));
    const v = this.vertices;
    const mo = this.motion;
    let n = 0;
    const push = (s: number) => {
      const o = n++ * FLOATS;
      v[o] = wrapDx(mo.x[s] - camera.cx);
      v[o + 1] = mo.y[s] - camera.cy;
      v[o + 2] = (mo.hdg[s] * Math.PI) / 180;
      v[o + 3] = this.paletteIndex[c.status[s]];
    };
    for (let s = 0; s < c.end; s++) if (mo.shown[s]) push(s);
    const drones = n;
    for (const id of alerted) {
      const s = c.slots.get(id);
      if (s !== undefined && mo.shown[s]) push(s);
    }
    const alertRings = n - drones;
    const many = this.multiSelected.length > 1 ? this.multiSelected : [];
    for (const id of many) {
      const s = c.slots.get(id);
      if (s !== undefined && mo.shown[s]) push(s);
    }
    const multiRings = n - drones - alertRings;
    const selectedSlot = this.selected === null ? undefined : c.slots.get(this.selected);
    const selected = selectedSlot !== undefined && mo.shown[selectedSlot] ? 1 : 0;
    if (selected) push(selectedSlot!);

    painter.begin(v, n, camera, this.palette, this.dpr);
    // Under the drones: the selected drone's white ring, the multi-selection's cyan rings, the alerts' red rings.
    if (selected) painter.ring(SELECTED_RING, drones + alertRings + multiRings, 1);
    painter.ring(MULTI_RING, drones + alertRings, multiRings);
    painter.ring(ALERT_RING, drones, alertRings);
    const size = arrowSize(Math.log2(camera.worldSize / WORLD_TILE_SIZE));
    painter.arrow(size, null, 0, drones);
    if (selected) {
      // The selected drone again, on top, larger and outlined in white.
      painter.arrow(size * 1.35 + 5, WHITE, drones + alertRings + multiRings, 1);
      painter.arrow(size * 1.35, null, drones + alertRings + multiRings, 1);
    }
    painter.end();

    this.drawn.drones = drones;
    this.drawn.alertRings = alertRings;
    this.drawn.selected = selected ? this.selected : null;
    this.drawn.multiSelected = [...many];
    if (this.measureDrawnAge) {
      this.sampleLandedStates();
      if (measured) {
        this.statesInFlight = this.uncommittedCount;
        this.sampleDrawnStates();
      }
    } else {
      this.uncommittedCount = 0;
      this.statesInFlight = 0;
    }
    this.lastRenderMs = performance.now() - started;
    this.onDrawn();
  }

  /**
   * Keeps the send times of a sample of the states this frame was the first to draw (every k-th, from a rotating start)
   * until a measured frame's commit: see committed().
   */
  private sampleLandedStates(): void {
    const mo = this.motion;
    const landings = mo.landings;
    if (landings === 0) return;
    const room = MAX_UNCOMMITTED_STATES - this.uncommittedCount;
    const step = Math.ceil(landings / Math.min(DRAWN_SAMPLES_PER_FRAME, room));
    if (!Number.isFinite(step)) return; // no room: this frame's states are left out
    this.landedPhase = (this.landedPhase + 1) % step;
    const end = this.fleet.columns.end;
    const pending = this.uncommittedStates;
    let n = this.uncommittedCount;
    for (let s = 0, k = 0; s < end && n < MAX_UNCOMMITTED_STATES; s++) {
      if (mo.landed[s] && k++ % step === this.landedPhase) pending[n++] = mo.landedSentAtMs[s];
    }
    this.uncommittedCount = n;
  }

  /** Keeps the drawn send times of a sample of the drones (rotating) until the frame's commit: see committed(). */
  private sampleDrawnStates(): void {
    const c = this.fleet.columns;
    const mo = this.motion;
    const end = c.end;
    this.committingCount = 0;
    if (end === 0) return;
    const step = Math.max(1, Math.ceil(end / DRAWN_SAMPLES_PER_FRAME));
    this.sampleFrom = (this.sampleFrom + 1) % step;
    let n = 0;
    for (let s = this.sampleFrom; s < end && n < DRAWN_SAMPLES_PER_FRAME; s += step) if (mo.shown[s]) this.committing[n++] = mo.sentAtMs[s];
    this.committingCount = n;
  }

  /** Status code → colour: the known statuses' colours, anything else the unknown colour. */
  private updatePalette(): void {
    const names = this.fleet.statuses;
    if (names.size === this.paletteFor) return;
    this.paletteFor = names.size;
    const known = Object.keys(STATUS_COLORS) as (keyof typeof STATUS_COLORS)[];
    known.forEach((status, i) => this.palette.set(rgb(STATUS_COLORS[status]), i * 3));
    this.palette.set(rgb(UNKNOWN_STATUS_COLOR), PALETTE_UNKNOWN * 3);
    this.paletteIndex.fill(PALETTE_UNKNOWN);
    for (let code = 0; code < Math.min(names.size, 255); code++) {
      const i = known.indexOf(names.name(code) as keyof typeof STATUS_COLORS);
      if (i >= 0) this.paletteIndex[code] = i;
    }
  }
}

/**
 * Paints one frame from the renderer's vertices (per vertex: x, y relative to the view's centre in Mercator units,
 * heading in rad, palette index), in the order the renderer calls: begin (clears), rings, arrows, end.
 */
export interface DronePainter {
  readonly kind: DronePainterKind;
  /** False while it cannot draw (a lost WebGL context, until the browser restores it). */
  readonly ready: boolean;
  clear(): void;
  begin(vertices: Float32Array, count: number, camera: Camera, palette: Float32Array, dpr: number): void;
  ring(spec: RingSpec, first: number, count: number): void;
  /** Arrows `size` CSS px wide, in their status colours or all `solid` (RGBA 0..1). */
  arrow(size: number, solid: readonly [number, number, number, number] | null, first: number, count: number): void;
  end(): void;
  dispose(): void;
}

/** WebGL2: one program of point sprites, one vertex-buffer upload per frame, one draw call per kind of mark. */
class GlPainter implements DronePainter {
  readonly kind = 'webgl';
  private gl: WebGL2RenderingContext | null = null;
  private program: WebGLProgram | null = null;
  private buffer: WebGLBuffer | null = null;
  private vao: WebGLVertexArrayObject | null = null;
  private uniforms: Record<string, WebGLUniformLocation | null> = {};
  private readonly clip = new Float32Array(6);
  private dpr = 1;

  constructor(private readonly canvas: AnyCanvas, private readonly onRestored: () => void) {
    canvas.addEventListener('webglcontextlost', this.onContextLost as EventListener);
    canvas.addEventListener('webglcontextrestored', this.onContextRestored);
    this.init();
  }

  get ready(): boolean {
    return this.gl !== null && this.program !== null;
  }

  clear(): void {
    const gl = this.gl!;
    gl.viewport(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight);
    gl.clear(gl.COLOR_BUFFER_BIT);
  }

  begin(vertices: Float32Array, count: number, camera: Camera, palette: Float32Array, dpr: number): void {
    const gl = this.gl!;
    this.dpr = dpr;
    this.clear();
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    gl.bufferData(gl.ARRAY_BUFFER, vertices.subarray(0, count * FLOATS), gl.DYNAMIC_DRAW);
    clipTransform(camera, this.clip);
    gl.uniformMatrix2fv(this.uniforms.u_matrix, false, this.clip.subarray(0, 4));
    gl.uniform2f(this.uniforms.u_offset, this.clip[4], this.clip[5]);
    gl.uniform1f(this.uniforms.u_bearing, Math.atan2(camera.sin, camera.cos));
    gl.uniform3fv(this.uniforms.u_palette, palette);
  }

  ring(spec: RingSpec, first: number, count: number): void {
    if (count === 0) return;
    const gl = this.gl!;
    const size = 2 * (spec.radius + spec.stroke) * this.dpr;
    gl.uniform1i(this.uniforms.u_mode, MODE_RING);
    gl.uniform1f(this.uniforms.u_size, size);
    gl.uniform1f(this.uniforms.u_ring, (2 * spec.stroke * this.dpr) / size);
    gl.uniform1f(this.uniforms.u_ringFill, spec.fill);
    gl.uniform4f(this.uniforms.u_solid, spec.rgb[0] / 255, spec.rgb[1] / 255, spec.rgb[2] / 255, 1);
    gl.drawArrays(gl.POINTS, first, count);
  }

  arrow(size: number, solid: readonly [number, number, number, number] | null, first: number, count: number): void {
    if (count === 0) return;
    const gl = this.gl!;
    gl.uniform1i(this.uniforms.u_mode, MODE_ARROW);
    gl.uniform1f(this.uniforms.u_size, size * this.dpr);
    if (solid) gl.uniform4f(this.uniforms.u_solid, solid[0], solid[1], solid[2], solid[3]);
    else gl.uniform4f(this.uniforms.u_solid, 0, 0, 0, 0);
    gl.drawArrays(gl.POINTS, first, count);
  }

  end(): void {
    this.gl!.bindVertexArray(null);
  }

  dispose(): void {
    this.canvas.removeEventListener('webglcontextlost', this.onContextLost as EventListener);
    this.canvas.removeEventListener('webglcontextrestored', this.onContextRestored);
    const gl = this.gl;
    if (gl) {
      gl.deleteBuffer(this.buffer);
      gl.deleteVertexArray(this.vao);
      gl.deleteProgram(this.program);
    }
    this.gl = null;
  }

  private readonly onContextLost = (event: Event) => {
    // Let the browser restore it; until then nothing is drawn.
    event.preventDefault();
    this.gl = null;
    this.program = null;
  };

  private readonly onContextRestored = () => {
    this.init();
    this.onRestored();
  };

  private init(): void {
    const gl = this.canvas.getContext('webgl2', {
      alpha: true, premultipliedAlpha: true, antialias: false, depth: false, stencil: false, preserveDrawingBuffer: false,
    }) as WebGL2RenderingContext | null;
    if (!gl) {
      console.error('drone overlay: no WebGL2 context; live drones are not drawn');
      return;
    }
    if (gl.isContextLost()) return; // webglcontextrestored comes back here
    const shader = (type: number, source: string) => {
      const s = gl.createShader(type)!;
      gl.shaderSource(s, source);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`drone shader: ${gl.getShaderInfoLog(s)}`);
      return s;
    };
    const program = gl.createProgram()!;
    gl.attachShader(program, shader(gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, shader(gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`drone program: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    for (const name of ['u_matrix', 'u_offset', 'u_size', 'u_bearing', 'u_palette', 'u_mode', 'u_solid', 'u_ring', 'u_ringFill']) {
      this.uniforms[name] = gl.getUniformLocation(program, name);
    }
    this.buffer = gl.createBuffer();
    this.vao = gl.createVertexArray();
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    const attribute = (name: string, size: number, offset: number) => {
      const location = gl.getAttribLocation(program, name);
      gl.enableVertexAttribArray(location);
      gl.vertexAttribPointer(location, size, gl.FLOAT, false, FLOATS * 4, offset * 4);
    };
    attribute('a_pos', 2, 0);
    attribute('a_angle', 1, 2);
    attribute('a_colour', 1, 3);
    gl.bindVertexArray(null);
    // What never changes between frames: premultiplied blending over a transparent canvas, no depth or stencil.
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.STENCIL_TEST);
    gl.clearColor(0, 0, 0, 0);
    this.gl = gl;
  }
}

/**
 * Canvas 2D, for where WebGL has no GPU: the same marks as GlPainter, stamped as pre-rasterised masks into one pixel
 * buffer (droneSprites.ts) that goes to the canvas with one putImageData per frame, only the area drawn in this frame
 * or the last. In device px; drones outside the canvas skipped; positions rounded to whole device pixels.
 */
export class CanvasPainter implements DronePainter {
  readonly kind = 'canvas2d';
  private readonly ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  private readonly frame = new PixelFrame();
  private image: ImageData | null = null;
  private readonly arrows = new ArrowMasks();
  private readonly rings = new Map<RingSpec, { dpr: number; mask: Mask }>();
  private v: Float32Array = new Float32Array(0);
  private count = 0;
  private dpr = 1;
  // The camera as a map from a vertex's (dx, dy) to device px: x = ax·dx + bx·dy + cx, y = ay·dx + by·dy + cy.
  private ax = 0; private bx = 0; private cx = 0;
  private ay = 0; private by = 0; private cy = 0;
  private bearing = 0;
  /** The palette as bytes, 3 per colour. */
  private readonly colours = new Uint8Array(8 * 3);

  constructor(private readonly canvas: AnyCanvas) {
    this.ctx = canvas.getContext('2d', { alpha: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
    if (!this.ctx) console.error('drone overlay: no 2D context; live drones are not drawn');
  }

  get ready(): boolean {
    return this.ctx !== null;
  }

  clear(): void {
    this.ctx!.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.frame.reset();
  }

  begin(vertices: Float32Array, count: number, camera: Camera, palette: Float32Array, dpr: number): void {
    this.frame.begin(this.canvas.width, this.canvas.height, (width, height) => {
      this.image = this.ctx!.createImageData(width, height);
      // A new size: the canvas was cleared by its resize, or has a different frame's pixels; start from nothing.
      this.ctx!.clearRect(0, 0, this.canvas.width, this.canvas.height);
      return this.image.data;
    });
    this.v = vertices;
    this.count = count;
    this.dpr = dpr;
    const ws = camera.worldSize * dpr;
    this.ax = ws * camera.cos; this.bx = ws * camera.sin; this.cx = camera.px * dpr;
    this.ay = -ws * camera.sin; this.by = ws * camera.cos; this.cy = camera.py * dpr;
    this.bearing = Math.atan2(camera.sin, camera.cos);
    for (let i = 0; i < this.colours.length; i++) this.colours[i] = Math.round(palette[i] * 255);
  }

  ring(spec: RingSpec, first: number, count: number): void {
    if (count === 0) return;
    let made = this.rings.get(spec);
    if (!made || made.dpr !== this.dpr) {
      made = { dpr: this.dpr, mask: ringMask((spec.radius + spec.stroke) * this.dpr, spec.stroke * this.dpr, spec.fill) };
      this.rings.set(spec, made);
    }
    const [r, g, b] = spec.rgb;
    const v = this.v;
    for (let i = first; i < first + count && i < this.count; i++) {
      const o = i * FLOATS;
      this.frame.stamp(made.mask, this.ax * v[o] + this.bx * v[o + 1] + this.cx, this.ay * v[o] + this.by * v[o + 1] + this.cy, r, g, b, 1);
    }
  }

  arrow(size: number, solid: readonly [number, number, number, number] | null, first: number, count: number): void {
    if (count === 0) return;
    const px = size * this.dpr;
    const v = this.v;
    const colours = this.colours;
    for (let i = first; i < first + count && i < this.count; i++) {
      const o = i * FLOATS;
      const x = this.ax * v[o] + this.bx * v[o + 1] + this.cx;
      const y = this.ay * v[o] + this.by * v[o + 1] + this.cy;
      // Turned clockwise on the screen by the heading less the map's bearing, as the sprite's v_angle.
      const mask = this.arrows.get(px, headingBucket(v[o + 2] - this.bearing));
      if (solid) {
        this.frame.stamp(mask, x, y, solid[0] * 255, solid[1] * 255, solid[2] * 255, solid[3]);
      } else {
        const c = v[o + 3] * 3;
        this.frame.stamp(mask, x, y, colours[c], colours[c + 1], colours[c + 2], 1);
      }
    }
  }

  end(): void {
    const f = this.frame;
    if (this.image && f.finish()) this.ctx!.putImageData(this.image, 0, 0, f.putX, f.putY, f.putWidth, f.putHeight);
  }

  dispose(): void {}
}

/** Whether this browser can draw WebGL2 on an OffscreenCanvas in a worker (Chromium 69+, Firefox 105+, Safari 17+). */
export function offscreenWebGl2(): boolean {
  if (typeof Worker !== 'function' || typeof OffscreenCanvas !== 'function') return false;
  if (typeof HTMLCanvasElement === 'undefined' || typeof HTMLCanvasElement.prototype.transferControlToOffscreen !== 'function') return false;
  try {
    // Safari 16.4–16.6 has OffscreenCanvas with 2D only.
    return new OffscreenCanvas(1, 1).getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

export { mercatorX, mercatorY };
