// Where each drone is drawn in a frame. A new state is shown as soon as a frame can draw it: the drone is blended from
// where it is drawn onto the new state's track within CORRECTION_MS, then moves on along its velocity (prediction) for
// about one of its update intervals, then holds. So motion stays smooth by predicting where the drone goes, not by
// drawing it late: before, a new state glided from the drawn position over a whole update interval (100 ms at 10 Hz),
// which made what the map showed at least one update interval older than what the page knew (docs/performance.md,
// "Why drawn age ≫ arrival age"). Per slot of the fleet's columns, in typed arrays; nothing is allocated per frame.
// Positions are Web Mercator (0..1, as MapLibre's world coordinates), headings in degrees.
//
// A state's track: its position, moving at the velocity from the drone's last two states (positions over send times),
// timed by the sender's clock: at frame time t the track is at P + v·(t − sentAt − offset), where `offset` is the
// smallest (frame time it was first seen − its send time) of the drone's recent states. Timing by the send time, not by
// when a frame first saw the state, keeps a drone flying straight on one line whatever the delays between its states'
// arrivals and the frames that pick them up (those vary by a frame interval or more; timed by arrival, each state would
// move the line back or forth by speed × that variation, a stop-and-go at every state).
import type { FleetColumns } from './columns';

/**
 * A new state's correction (drawn position onto its track) lasts this long, ms. Drone frames come every 30 ms at the
 * most (DRONE_FRAME_MS), so 50 ms is the frame that picks the state up and one or two after: long enough that a
 * prediction's error (a turn, a gust) is blended over a couple of frames rather than snapped, short enough that it adds
 * at most 50 ms to a state's drawn age (the budget: 3 blank frame intervals + coalescing + 50 ms ≈ 170 ms
 * here), against a whole update interval (100 ms at 10 Hz) for the glide it replaces. On frames slower than this the
 * next frame draws the state exactly: a slow page gets no blend, only the new state.
 */
export const CORRECTION_MS = 50;
/** A drone is predicted past its newest state for at most its update interval, and never more than this, ms. */
export const MAX_PREDICT_MS = 1000;
/**
 * The prediction may run this much longer than the drone's update interval, ms: its next state arrives and is picked up
 * by a frame up to a drone frame (30 ms and more) plus the gateway's coalescing (16 ms) later than its send time says;
 * a prediction that stopped at exactly one interval would halt the drone at every state whose pick-up was a little
 * later than the last's (the stop-and-go the prediction is for). A drone that stops reporting is so drawn at most
 * (interval + PREDICT_SLACK_MS) × speed past its last report.
 */
export const PREDICT_SLACK_MS = 50;
/**
 * How fast a drone's delay estimate (`offset`) may rise when its states come later than the earliest did, per ms of the
 * sender's time: 1 %, i.e. 1 ms per state at 10 Hz. Slow enough that the track's line barely moves from state to state
 * (a faster rise shifts the line by speed × the rise at each state), fast enough that a lasting rise in the delay (a
 * loaded machine, a slow link) is followed within seconds rather than extrapolated for ever; a fall is followed at once.
 */
const OFFSET_RISE = 0.01;
/** A move longer than this (Mercator units, ~40 km at the equator) is a jump: drawn at once, not blended or predicted. */
const JUMP = 0.001;
/** A drone drawn closer than this to its new track (Mercator, ~0.4 m: under a pixel up to zoom 18) is on it already. */
const ON_TRACK = 1e-8;
/** Headings closer than this (degrees) need no blend. */
const ON_HEADING = 0.5;

export function mercatorX(lon: number): number {
  return (180 + lon) / 360;
}

export function mercatorY(lat: number): number {
  const clamped = Math.max(-85.051129, Math.min(85.051129, lat));
  return (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (clamped * Math.PI) / 360))) / 360;
}

export class Motion {
  /**
   * Off: every new state is drawn at once where it is, without blend or prediction (a machine too slow to animate gets
   * the newest states, not motion it would show late).
   */
  glide = true;
  capacity = 0;
  /** Drawn this frame, per slot (valid where `shown[s]`). */
  x = new Float64Array(0);
  y = new Float64Array(0);
  hdg = new Float64Array(0);
  /** The send time of the newest state in use (blended onto or drawn): for the drawn staleness. */
  sentAtMs = new Float64Array(0);
  shown = new Uint8Array(0);
  /**
   * 1 where this frame is the first to draw the drone at its newest state (correction done, or drawn at once): the
   * frame that reflects it. `landedSentAtMs` is then the send time of the oldest state it reflects (a state superseded
   * before its correction was done is reflected by the frame that draws the newer one). For the drawn age per state.
   */
  landed = new Uint8Array(0);
  landedSentAtMs = new Float64Array(0);
  /** How many slots landed in the last advance(). */
  landings = 0;
  /** The newest state's position, heading and send time; its velocity (Mercator per ms) and how long it may be predicted. */
  private px = new Float64Array(0);
  private py = new Float64Array(0);
  private toHdg = new Float64Array(0);
  private stateSent = new Float64Array(0);
  private vx = new Float64Array(0);
  private vy = new Float64Array(0);
  private horizon = new Float64Array(0);
  /** The drone's delay estimate: frame time − send time, the smallest of its recent states (see the file's comment). */
  private offset = new Float64Array(0);
  /** The correction: the drawn position's and heading's offset from the track when it began, its start, its length (0: none). */
  private offX = new Float64Array(0);
  private offY = new Float64Array(0);
  private fromHdg = new Float64Array(0);
  private corrStart = new Float64Array(0);
  private corrMs = new Float64Array(0);
  /** The send time of the oldest state not yet drawn (NaN when none). */
  private pendingSent = new Float64Array(0);
  private id = new Float64Array(0);
  private seq = new Float64Array(0);
  /** The time of the last advance() (the last frame drawn). */
  private lastAdvance = -Infinity;

  /**
   * Brings every slot to time `now` (ms, a monotonic clock): new states start a correction from where the drone is drawn.
   * Returns true while any drone moves (corrected or predicted: the map should draw the next frame too).
   */
  advance(c: FleetColumns, now: number): boolean {
    if (this.capacity < c.capacity) this.grow(c.capacity);
    let moving = false;
    let landings = 0;
    const previous = Math.min(this.lastAdvance, now);
    this.lastAdvance = now;
    for (let s = 0; s < c.end; s++) {
      this.landed[s] = 0;
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
      const sent = c.sentAtMs[s];
      if (!this.shown[s] || this.id[s] !== c.id[s]) {
        // A drone new to this slot: drawn where it is.
        this.id[s] = c.id[s];
        this.seq[s] = c.seq[s];
        this.offset[s] = now - sent;
        this.pendingSent[s] = sent;
        this.place(s, mercatorX(lon), mercatorY(lat), hdg, sent);
        this.shown[s] = 1;
      } else if (this.seq[s] !== c.seq[s]) {
        this.seq[s] = c.seq[s];
        this.at(s, now); // where the drone is drawn now, on the last state's track
        if (Number.isNaN(this.pendingSent[s])) this.pendingSent[s] = sent; // else an older state is still waiting
        const x = mercatorX(lon);
        const y = mercatorY(lat);
        const dt = sent - this.stateSent[s];
        const lag = now - sent;
        this.offset[s] = Number.isFinite(dt) && dt > 0 ? Math.min(lag, this.offset[s] + OFFSET_RISE * dt) : lag;
        if (!this.glide || Math.abs(x - this.x[s]) > JUMP || Math.abs(y - this.y[s]) > JUMP) {
          this.place(s, x, y, hdg, sent);
        } else {
          // Predicted only with the state's own speed and heading (a drone that reports none is drawn where it reported)
          // and a recent previous state to take the velocity from.
          const predict = Number.isFinite(c.spd[s]) && Number.isFinite(c.hdg[s]) && dt > 0 && dt <= MAX_PREDICT_MS;
          this.vx[s] = predict ? (x - this.px[s]) / dt : 0;
          this.vy[s] = predict ? (y - this.py[s]) / dt : 0;
          const moves = this.vx[s] !== 0 || this.vy[s] !== 0;
          this.horizon[s] = moves ? Math.min(MAX_PREDICT_MS, dt + PREDICT_SLACK_MS) : 0;
          this.px[s] = x;
          this.py[s] = y;
          this.stateSent[s] = sent;
          this.sentAtMs[s] = sent;
          // The correction starts from the drawn position and heading (this.x/y/hdg as at() just put them).
          const e = this.elapsed(s, now);
          this.offX[s] = this.x[s] - (x + this.vx[s] * e);
          this.offY[s] = this.y[s] - (y + this.vy[s] * e);
          this.fromHdg[s] = this.hdg[s];
          this.toHdg[s] = hdg;
          const onTrack = Math.abs(this.offX[s]) <= ON_TRACK && Math.abs(this.offY[s]) <= ON_TRACK
            && Math.abs(turn(this.fromHdg[s], hdg)) <= ON_HEADING;
          // Timed from the frame before, when the drone was last drawn: the frame that picks the state up is already a
          // frame interval into the blend, and after a gap longer than the blend it draws the state on its track at once.
          this.corrStart[s] = Math.max(previous, now - CORRECTION_MS);
          this.corrMs[s] = onTrack ? 0 : CORRECTION_MS;
        }
      } else if (!this.glide && (this.corrMs[s] > 0 || this.horizon[s] > 0)) {
        // Motion was turned off (a slow machine): the newest state as it is.
        this.place(s, this.px[s], this.py[s], this.toHdg[s], this.stateSent[s]);
      }
      if (this.at(s, now)) moving = true;
      if (this.corrMs[s] === 0 && !Number.isNaN(this.pendingSent[s])) {
        this.landed[s] = 1;
        this.landedSentAtMs[s] = this.pendingSent[s];
        this.pendingSent[s] = NaN;
        landings++;
      }
    }
    for (let s = c.end; s < this.capacity && (this.shown[s] || this.landed[s]); s++) {
      this.shown[s] = 0;
      this.landed[s] = 0;
    }
    this.landings = landings;
    return moving;
  }

  /** How far along its track slot `s` is at `now`, ms of prediction (0 … horizon). */
  private elapsed(s: number, now: number): number {
    const h = this.horizon[s];
    if (h <= 0) return 0;
    return Math.min(h, Math.max(0, now - this.stateSent[s] - this.offset[s]));
  }

  /** Puts slot `s` where it is drawn at `now` (track plus what is left of the correction); true while it moves. */
  private at(s: number, now: number): boolean {
    const e = this.elapsed(s, now);
    let x = this.px[s] + this.vx[s] * e;
    let y = this.py[s] + this.vy[s] * e;
    let hdg = this.toHdg[s];
    const d = this.corrMs[s];
    let correcting = false;
    if (d > 0) {
      const p = (now - this.corrStart[s]) / d;
      if (p >= 1) {
        this.corrMs[s] = 0;
      } else {
        const left = 1 - Math.max(0, p);
        x += this.offX[s] * left;
        y += this.offY[s] * left;
        hdg -= turn(this.fromHdg[s], hdg) * left;
        correcting = true;
      }
    }
    this.x[s] = x;
    this.y[s] = y;
    this.hdg[s] = ((hdg % 360) + 360) % 360;
    return correcting || e < this.horizon[s];
  }

  /** Draws slot `s` at a state as it is: no correction, no prediction. */
  private place(s: number, x: number, y: number, hdg: number, sentAtMs: number): void {
    this.px[s] = this.x[s] = x;
    this.py[s] = this.y[s] = y;
    this.toHdg[s] = this.fromHdg[s] = this.hdg[s] = hdg;
    this.stateSent[s] = this.sentAtMs[s] = sentAtMs;
    this.vx[s] = this.vy[s] = 0;
    this.horizon[s] = 0;
    this.offX[s] = this.offY[s] = 0;
    this.corrMs[s] = 0;
  }

  private grow(capacity: number): void {
    const f64 = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    const u8 = (old: Uint8Array) => {
      const next = new Uint8Array(capacity);
      next.set(old);
      return next;
    };
    this.x = f64(this.x); this.y = f64(this.y); this.hdg = f64(this.hdg); this.sentAtMs = f64(this.sentAtMs);
    this.landedSentAtMs = f64(this.landedSentAtMs);
    this.px = f64(this.px); this.py = f64(this.py); this.toHdg = f64(this.toHdg); this.stateSent = f64(this.stateSent);
    this.vx = f64(this.vx); this.vy = f64(this.vy); this.horizon = f64(this.horizon); this.offset = f64(this.offset);
    this.offX = f64(this.offX); this.offY = f64(this.offY); this.fromHdg = f64(this.fromHdg);
    this.corrStart = f64(this.corrStart); this.corrMs = f64(this.corrMs);
    const pending = new Float64Array(capacity).fill(NaN);
    pending.set(this.pendingSent);
    this.pendingSent = pending;
    this.id = f64(this.id); this.seq = f64(this.seq);
    this.shown = u8(this.shown);
    this.landed = u8(this.landed);
    this.capacity = capacity;
  }
}

/** The turn from heading `from` to `to` the short way, degrees in (−180, 180]. */
function turn(from: number, to: number): number {
  let t = (to - from) % 360;
  if (t > 180) t -= 360;
  else if (t <= -180) t += 360;
  return t;
}
