// The live drones on the map: a MapLibre custom layer that draws every drone straight from the fleet's columns with
// one WebGL program (point sprites: an arrow rotated by heading, coloured by status; rings for alerts and selection).
// Each frame it brings positions up to date (fleet/motion.ts: glides between states) and uploads one vertex buffer;
// there is no GeoJSON, no tiling and no worker round trip, so the cost per frame is a loop over the drones and a
// buffer upload, whatever the update rate. Positions are sent relative to the view's centre (computed in doubles), so
// float32 keeps them exact at any zoom. MapLibre calls `render` at most once per animation frame; the layer asks for
// the next frame only while drones glide or the store changed.
import type { CustomLayerInterface, CustomRenderMethodInput, Map as MapLibreMap } from 'maplibre-gl';
import type { FleetColumns, Names } from './fleet/columns';
import { Motion } from './fleet/motion';
import { STATUS_COLORS, UNKNOWN_STATUS_COLOR } from './model';
import { SampleWindow } from './stats';

/** What the layer reads: the page's copy of the fleet and the alerted drones. */
export interface LiveFleet {
  readonly columns: FleetColumns;
  readonly statuses: Names;
  readonly version: number;
  readonly alertVersion: number;
  alertedDrones(): Set<number>;
}

const FLOATS = 4; // per vertex: x, y (relative to the centre), heading (rad), colour index
const PALETTE_UNKNOWN = 7;
const MODE_ARROW = 0;
const MODE_RING = 1;
/** Ring radii and colours in CSS px, as the symbol layers they replace drew them. */
const ALERT_RING = { radius: 11, stroke: 2, rgb: [0xf4, 0x3f, 0x5e], fill: 0.18 };
const MULTI_RING = { radius: 12, stroke: 2, rgb: [0x22, 0xd3, 0xee], fill: 0.1 };
const SELECTED_RING = { radius: 15, stroke: 2, rgb: [0xff, 0xff, 0xff], fill: 0.1 };
/**
 * Frames drawn only to move gliding drones come at most this often (~30/s): in software WebGL every frame repaints the
 * whole map on the CPU. New data still draws at the next animation frame.
 */
const GLIDE_FRAME_MS = 33;
/** Frames further apart than this are "slow"; after SLOW_FRAMES of them in a row drones jump to new states instead of gliding. */
const SLOW_FRAME_MS = 150;
const SLOW_FRAMES = 5;
/** At most this many drawn-age samples per frame (a sample of the drones, rotating), so measuring costs little. */
const DRAWN_SAMPLES_PER_FRAME = 512;

const VERTEX = `#version 300 es
precision highp float;
in vec2 a_pos;
in float a_angle;
in float a_colour;
uniform mat4 u_matrix;
uniform float u_size;
uniform float u_bearing;
uniform vec3 u_palette[8];
out float v_angle;
out vec3 v_colour;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
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

export class DroneLayer implements CustomLayerInterface {
  readonly type = 'custom' as const;
  readonly renderingMode = '2d' as const;
  readonly motion = new Motion();
  /** Age of what is drawn (now − send time of the drawn state, sampled), while measuring. */
  readonly drawnAges = new SampleWindow(16384);
  measureDrawnAge = false;
  /** What the last frame drew, for the browser test and the bench. */
  readonly drawn = { frames: 0, drones: 0, alertRings: 0, selected: null as number | null, multiSelected: [] as number[] };
  /** Frames drawn per second of the layer: render() calls, with the time each took on the main thread. */
  lastRenderMs = 0;

  private map: MapLibreMap | null = null;
  private gl: WebGL2RenderingContext | null = null;
  private program: WebGLProgram | null = null;
  private buffer: WebGLBuffer | null = null;
  private vao: WebGLVertexArrayObject | null = null;
  private vertices = new Float32Array(0);
  private uniforms: Record<string, WebGLUniformLocation | null> = {};
  private palette = new Float32Array(8 * 3);
  private paletteFor = -1;
  private paletteIndex = new Uint8Array(256);
  /** The last frame's matrix from centre-relative Mercator to clip space, and the centre (for picking). */
  private readonly matrix = new Float64Array(16);
  private centreX = 0;
  private centreY = 0;
  private hasFrame = false;
  private selected: number | null = null;
  private multiSelected: readonly number[] = [];
  private hidden = false;
  private drawnVersion = -1;
  private sampleFrom = 0;
  private raf = 0;

  constructor(readonly id: string, private readonly fleet: LiveFleet) {}

  onAdd(map: MapLibreMap, gl: WebGL2RenderingContext): void {
    this.map = map;
    this.gl = gl;
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
    for (const name of ['u_matrix', 'u_size', 'u_bearing', 'u_palette', 'u_mode', 'u_solid', 'u_ring', 'u_ringFill']) {
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
    this.raf = requestAnimationFrame(this.watch);
  }

  onRemove(): void {
    cancelAnimationFrame(this.raf);
    if (this.glideTimer !== null) clearTimeout(this.glideTimer);
    const gl = this.gl;
    if (gl) {
      gl.deleteBuffer(this.buffer);
      gl.deleteVertexArray(this.vao);
      gl.deleteProgram(this.program);
    }
    this.map = null;
    this.gl = null;
  }

  select(id: number | null, many: readonly number[]): void {
    this.selected = id;
    this.multiSelected = many;
    this.map?.triggerRepaint();
  }

  /** History mode hides the live drones. */
  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    if (hidden) {
      // The map stops calling render() for a layer whose visibility is 'none': what it shows is nothing from now on.
      this.drawn.drones = 0;
      this.drawn.alertRings = 0;
    }
    this.map?.triggerRepaint();
  }

  /**
   * The drone drawn nearest to a point of the map's canvas (CSS px), within `radius` px; null when none is. Uses the
   * positions of the last frame drawn, i.e. where the operator saw the drones.
   */
  pick(x: number, y: number, radius: number): number | null {
    const map = this.map;
    if (!map || !this.hasFrame || this.hidden) return null;
    const { clientWidth: width, clientHeight: height } = map.getCanvas();
    const m = this.matrix;
    const c = this.fleet.columns;
    const mo = this.motion;
    let best: number | null = null;
    let bestDistance = radius * radius;
    for (let s = 0; s < c.end && s < mo.capacity; s++) {
      if (!mo.shown[s] || !c.used[s]) continue;
      const dx = wrap(mo.x[s] - this.centreX);
      const dy = mo.y[s] - this.centreY;
      const w = m[3] * dx + m[7] * dy + m[15];
      const px = ((m[0] * dx + m[4] * dy + m[12]) / w + 1) * 0.5 * width;
      const py = (1 - (m[1] * dx + m[5] * dy + m[13]) / w) * 0.5 * height;
      const distance = (px - x) ** 2 + (py - y) ** 2;
      if (distance <= bestDistance) {
        bestDistance = distance;
        best = c.id[s];
      }
    }
    return best;
  }

  /** Asks MapLibre for a frame when the store changed (render() asks for the next itself while drones glide). */
  private readonly watch = () => {
    if (!this.map) return;
    this.raf = requestAnimationFrame(this.watch);
    if (this.fleet.version !== this.drawnVersion || this.fleet.alertVersion !== this.alertVersion) this.map.triggerRepaint();
  };

  private gliding = false;
  private alertVersion = -1;
  private alerted = new Set<number>();

  render(gl: WebGL2RenderingContext | WebGLRenderingContext, options: CustomRenderMethodInput): void {
    const map = this.map;
    if (!map || !this.program || !(gl instanceof WebGL2RenderingContext)) return;
    const started = performance.now();
    const fleet = this.fleet;
    const c = fleet.columns;
    this.drawnVersion = fleet.version;
    this.gliding = this.motion.advance(c, started);
    this.updatePalette();
    this.drawn.frames++;
    if (this.hidden) {
      this.drawn.drones = 0;
      this.drawn.alertRings = 0;
      return;
    }

    const centre = map.getCenter();
    this.centreX = (180 + centre.lng) / 360;
    this.centreY = (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (centre.lat * Math.PI) / 360))) / 360;
    // MapLibre's matrix takes world pixels (Mercator × worldSize). Ours takes Mercator relative to the centre:
    // M · translate(centre × worldSize) · scale(worldSize), computed in doubles.
    const mvp = options.modelViewProjectionMatrix as ArrayLike<number>;
    const world = (map as unknown as { transform?: { worldSize?: number } }).transform?.worldSize ?? 512 * 2 ** map.getZoom();
    for (let i = 0; i < 4; i++) {
      this.matrix[i] = mvp[i] * world;
      this.matrix[4 + i] = mvp[4 + i] * world;
      this.matrix[8 + i] = mvp[8 + i];
      this.matrix[12 + i] = (mvp[i] * this.centreX + mvp[4 + i] * this.centreY) * world + mvp[12 + i];
    }
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
      v[o] = wrap(mo.x[s] - this.centreX);
      v[o + 1] = mo.y[s] - this.centreY;
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

    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    gl.bufferData(gl.ARRAY_BUFFER, v.subarray(0, n * FLOATS), gl.DYNAMIC_DRAW);
    gl.uniformMatrix4fv(this.uniforms.u_matrix, false, Float32Array.from(this.matrix));
    gl.uniform1f(this.uniforms.u_bearing, (map.getBearing() * Math.PI) / 180);
    gl.uniform3fv(this.uniforms.u_palette, this.palette);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.STENCIL_TEST);
    const dpr = window.devicePixelRatio || 1;
    const ring = (spec: typeof ALERT_RING, first: number, count: number) => {
      if (count === 0) return;
      const size = 2 * (spec.radius + spec.stroke) * dpr;
      gl.uniform1i(this.uniforms.u_mode, MODE_RING);
      gl.uniform1f(this.uniforms.u_size, size);
      gl.uniform1f(this.uniforms.u_ring, (2 * spec.stroke * dpr) / size);
      gl.uniform1f(this.uniforms.u_ringFill, spec.fill);
      gl.uniform4f(this.uniforms.u_solid, spec.rgb[0] / 255, spec.rgb[1] / 255, spec.rgb[2] / 255, 1);
      gl.drawArrays(gl.POINTS, first, count);
    };
    const arrow = (size: number, solid: [number, number, number, number] | null, first: number, count: number) => {
      gl.uniform1i(this.uniforms.u_mode, MODE_ARROW);
      gl.uniform1f(this.uniforms.u_size, size * dpr);
      gl.uniform4f(this.uniforms.u_solid, ...(solid ?? [0, 0, 0, 0]));
      gl.drawArrays(gl.POINTS, first, count);
    };
    // Under the drones: the selected drone's white ring, the multi-selection's cyan rings, the alerts' red rings.
    if (selected) ring(SELECTED_RING, drones + alertRings + multiRings, 1);
    ring(MULTI_RING, drones + alertRings, multiRings);
    ring(ALERT_RING, drones, alertRings);
    const size = arrowSize(map.getZoom());
    if (drones > 0) arrow(size, null, 0, drones);
    if (selected) {
      // The selected drone again, on top, larger and outlined in white.
      arrow(size * 1.35 + 5, [1, 1, 1, 1], drones + alertRings + multiRings, 1);
      arrow(size * 1.35, null, drones + alertRings + multiRings, 1);
    }
    gl.bindVertexArray(null);

    this.drawn.drones = drones;
    this.drawn.alertRings = alertRings;
    this.drawn.selected = selected ? this.selected : null;
    this.drawn.multiSelected = [...many];
    if (this.measureDrawnAge) this.sampleDrawnAges();
    this.lastRenderMs = performance.now() - started;
    // A machine that cannot keep frames coming gets the newest states drawn, not glides it would show late.
    const interval = started - this.lastFrameAt;
    this.lastFrameAt = started;
    this.slowFrames = interval > SLOW_FRAME_MS ? Math.min(this.slowFrames + 1, 2 * SLOW_FRAMES) : Math.max(this.slowFrames - 1, 0);
    this.motion.glide = this.slowFrames < SLOW_FRAMES;
    // Still gliding: draw again soon (MapLibre coalesces repaints into one per animation frame).
    if (this.gliding && this.glideTimer === null) {
      this.glideTimer = setTimeout(() => {
        this.glideTimer = null;
        this.map?.triggerRepaint();
      }, GLIDE_FRAME_MS);
    }
  }

  private lastFrameAt = 0;
  private slowFrames = 0;
  private glideTimer: ReturnType<typeof setTimeout> | null = null;

  private sampleDrawnAges(): void {
    const c = this.fleet.columns;
    const mo = this.motion;
    const now = Date.now();
    const end = c.end;
    if (end === 0) return;
    const step = Math.max(1, Math.ceil(end / DRAWN_SAMPLES_PER_FRAME));
    this.sampleFrom = (this.sampleFrom + 1) % step;
    for (let s = this.sampleFrom; s < end; s += step) if (mo.shown[s]) this.drawnAges.add(now - mo.sentAtMs[s], now);
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

/** A Mercator x difference brought to the world copy nearest the view's centre. */
function wrap(dx: number): number {
  return dx > 0.5 ? dx - 1 : dx < -0.5 ? dx + 1 : dx;
}
