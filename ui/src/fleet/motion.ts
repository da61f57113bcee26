// Where each drone is drawn in a frame: positions glide from what was drawn to each new state over about one update
// interval of that drone, so motion is smooth whatever the telemetry rate, and a drone is never drawn more than one of
// its update intervals behind its newest state. Per slot of the fleet's columns, in typed arrays; nothing is
// allocated per frame. Positions are Web Mercator (0..1, as MapLibre's world coordinates), headings in degrees.
import type { FleetColumns } from './columns';

/** A glide never lasts longer than this (a drone that reports rarely jumps rather than crawls for seconds). */
export const MAX_GLIDE_MS = 1000;
/** A move longer than this (Mercator units, ~40 km at the equator) is a jump: drawn at once, not glided. */
const JUMP = 0.001;

export function mercatorX(lon: number): number {
  return (180 + lon) / 360;
}

export function mercatorY(lat: number): number {
  const clamped = Math.max(-85.051129, Math.min(85.051129, lat));
  return (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360))) / 360;
}

export class Motion {
  /** Off: every new state is drawn at once (a machine too slow to animate gets the newest states, not glides). */
  glide = true;
  capacity = 0;
  /** Drawn this frame, per slot (valid where `shown[s]`). */
  x = new Float64Array(0);
  y = new Float64Array(0);
  hdg = new Float64Array(0);
  /** The send time of what is drawn: between the two states' send times while gliding (for the drawn age). */
  sentAtMs = new Float64Array(0);
  shown = new Uint8Array(0);
  private fromX = new Float64Array(0);
  private fromY = new Float64Array(0);
  private fromHdg = new Float64Array(0);
  private fromSent = new Float64Array(0);
  private toX = new Float64Array(0);
  private toY = new Float64Array(0);
  private toHdg = new Float64Array(0);
  private toSent = new Float64Array(0);
  private start = new Float64Array(0);
  private duration = new Float64Array(0);
  private lastUpdate = new Float64Array(0);
  private id = new Float64Array(0);
  private seq = new Float64Array(0);

  /**
   * Brings every slot to time `now` (ms, a monotonic clock): new states start a glide from where the drone is drawn.
   * Returns true while any drone is still gliding (the map should draw the next frame too).
   */
  advance(c: FleetColumns, now: number): boolean {
    if (this.capacity < c.capacity) this.grow(c.capacity);
    let moving = false;
    for (let s = 0; s < c.end; s++) {
      if (!c.used[s]) {
        this.shown[s] = 0;
        continue;
      }
      const lat = c.lat[s];
      const lon = c.lon[s];
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) {
        this.shown[s] = 0;
        continue;
      }
      const hdg = Number.isFinite(c.hdg[s]) ? c.hdg[s] : 0;
      if (!this.shown[s] || this.id[s] !== c.id[s]) {
        // A drone new to this slot: drawn where it is.
        this.id[s] = c.id[s];
        this.seq[s] = c.seq[s];
        this.place(s, mercatorX(lon), mercatorY(lat), hdg, c.sentAtMs[s], now);
        this.shown[s] = 1;
      } else if (this.seq[s] !== c.seq[s]) {
        this.seq[s] = c.seq[s];
        // From where the drone is on its glide now, not where the last frame drew it: when frames come less often than
        // states (a page that paces its frames, a slow machine), a glide restarted from the last frame's position never
        // progressed, and the drone stood still while its states moved on.
        this.at(s, now);
        const x = mercatorX(lon);
        const y = mercatorY(lat);
        const interval = now - this.lastUpdate[s];
        this.lastUpdate[s] = now;
        if (!this.glide || Math.abs(x - this.x[s]) > JUMP || Math.abs(y - this.y[s]) > JUMP) {
          this.place(s, x, y, hdg, c.sentAtMs[s], now);
        } else {
          this.fromX[s] = this.x[s];
          this.fromY[s] = this.y[s];
          this.fromHdg[s] = this.hdg[s];
          this.fromSent[s] = this.sentAtMs[s];
          this.toX[s] = x;
          this.toY[s] = y;
          this.toHdg[s] = hdg;
          this.toSent[s] = c.sentAtMs[s];
          this.start[s] = now;
          this.duration[s] = Math.min(MAX_GLIDE_MS, Math.max(0, interval));
        }
      }
      if (this.at(s, now)) moving = true;
    }
    for (let s = c.end; s < this.capacity && this.shown[s]; s++) this.shown[s] = 0;
    return moving;
  }

  /** Puts slot `s` where its glide is at `now`; true while the glide is not over. */
  private at(s: number, now: number): boolean {
    const d = this.duration[s];
    const p = d > 0 ? Math.min(1, (now - this.start[s]) / d) : 1;
    this.x[s] = this.fromX[s] + (this.toX[s] - this.fromX[s]) * p;
    this.y[s] = this.fromY[s] + (this.toY[s] - this.fromY[s]) * p;
    let turn = this.toHdg[s] - this.fromHdg[s];
    if (turn > 180) turn -= 360;
    else if (turn < -180) turn += 360;
    this.hdg[s] = (this.fromHdg[s] + turn * p + 360) % 360;
    this.sentAtMs[s] = this.fromSent[s] + (this.toSent[s] - this.fromSent[s]) * p;
    return p < 1;
  }

  private place(s: number, x: number, y: number, hdg: number, sentAtMs: number, now: number): void {
    this.fromX[s] = this.toX[s] = this.x[s] = x;
    this.fromY[s] = this.toY[s] = this.y[s] = y;
    this.fromHdg[s] = this.toHdg[s] = this.hdg[s] = hdg;
    this.fromSent[s] = this.toSent[s] = this.sentAtMs[s] = sentAtMs;
    this.start[s] = now;
    this.duration[s] = 0;
    this.lastUpdate[s] = now;
  }

  private grow(capacity: number): void {
    const f64 = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.x = f64(this.x); this.y = f64(this.y); this.hdg = f64(this.hdg); this.sentAtMs = f64(this.sentAtMs);
    this.fromX = f64(this.fromX); this.fromY = f64(this.fromY); this.fromHdg = f64(this.fromHdg); this.fromSent = f64(this.fromSent);
    this.toX = f64(this.toX); this.toY = f64(this.toY); this.toHdg = f64(this.toHdg); this.toSent = f64(this.toSent);
    this.start = f64(this.start); this.duration = f64(this.duration); this.lastUpdate = f64(this.lastUpdate);
    this.id = f64(this.id); this.seq = f64(this.seq);
    const shown = new Uint8Array(capacity);
    shown.set(this.shown);
    this.shown = shown;
    this.capacity = capacity;
  }
}
