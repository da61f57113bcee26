import { describe, expect, it } from 'vitest';
import { emptyValues, FleetColumns } from './columns';
import { CORRECTION_MS, mercatorX, mercatorY, Motion, PREDICT_SLACK_MS } from './motion';

/** The sender's clock (epoch ms) is not the frames' (a page's monotonic clock): the motion must not mix them up. */
const EPOCH = 1_765_000_000_000;

interface State {
  lon: number;
  lat?: number;
  hdg?: number;
  /** NaN: the state carries no speed (a drone that reports none is not predicted). */
  spd?: number;
  sentAtMs: number;
}

function put(c: FleetColumns, id: number, seq: number, st: State): number {
  const v = emptyValues();
  Object.assign(v, {
    id, seq, lon: st.lon, lat: st.lat ?? 0, hdg: st.hdg ?? 90, spd: st.spd ?? 10, sentAtMs: st.sentAtMs, receivedAtMs: st.sentAtMs,
  });
  return c.upsert(v);
}

/**
 * A drone reporting every `intervalMs` (sender's time), each state reaching the page `delayMs` after it was sent and
 * drawn by the first frame at or after that; frames every `frameMs` from `frameFrom` (the frames' clock). `lonAt(t)`:
 * where the drone is at sender time t (ms from the start). Returns the drawn x of every frame and its frame time.
 */
function fly(opts: {
  lonAt: (t: number) => number; intervalMs: number; delayMs: number; frameMs: number; untilMs: number; stopAtMs?: number;
  spd?: number; motion?: Motion; columns?: FleetColumns;
}) {
  const c = opts.columns ?? new FleetColumns();
  const m = opts.motion ?? new Motion();
  const frames: { t: number; x: number; landed: number; landedSent: number; moving: boolean }[] = [];
  let seq = 0;
  let nextSend = 0;
  let slot = -1;
  const clockOffset = 1234.5; // frame clock = sender time − EPOCH + this
  for (let t = 0.25; t <= opts.untilMs; t += opts.frameMs) {
    // States sent by now − delay have arrived (the newest overwrites the columns, as the worker's decoder does).
    while (nextSend <= t - opts.delayMs && nextSend <= (opts.stopAtMs ?? Infinity)) {
      slot = put(c, 1, ++seq, { lon: opts.lonAt(nextSend), spd: opts.spd ?? 10, sentAtMs: EPOCH + nextSend }) >= 0 ? c.slotOf(1) : slot;
      nextSend += opts.intervalMs;
    }
    const moving = m.advance(c, t + clockOffset);
    if (slot >= 0) frames.push({ t, x: m.x[slot], landed: m.landed[slot], landedSent: m.landedSentAtMs[slot] - EPOCH, moving });
  }
  return { frames, motion: m, slot };
}

/** 0.0001° of longitude per 100 ms, east. */
const SPEED = 0.0001 / 100;

describe('Motion', () => {
  it('draws a new drone where it is, in the frame that first sees it', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, { lon: 13, lat: 52, sentAtMs: EPOCH });
    m.advance(c, 1000);
    expect(m.x[s]).toBeCloseTo(mercatorX(13), 12);
    expect(m.y[s]).toBeCloseTo(mercatorY(52), 12);
    expect(m.landed[s]).toBe(1);
    expect(m.landedSentAtMs[s]).toBe(EPOCH);
    m.advance(c, 1010);
    expect(m.landed[s]).toBe(0); // reflected once, by the first frame that drew it
  });

  it('draws a new state where it is within the correction time, and says which frame first did', () => {
    const c = new FleetColumns();
    const m = new Motion();
    // A drone that reports no speed: its track is the state's position.
    const s = put(c, 1, 1, { lon: 0, spd: NaN, sentAtMs: EPOCH });
    for (let t = 0; t <= 100; t += 10) m.advance(c, t);
    put(c, 1, 2, { lon: 0.0001, spd: NaN, sentAtMs: EPOCH + 100 });
    const landedAt: number[] = [];
    for (let t = 110; t <= 300; t += 10) {
      m.advance(c, t);
      if (m.landed[s]) landedAt.push(t);
      if (t < 100 + CORRECTION_MS) expect(m.x[s]).toBeLessThan(mercatorX(0.0001)); // blended, not snapped
      else expect(m.x[s]).toBeCloseTo(mercatorX(0.0001), 12);
    }
    // Picked up by the frame at 110, the blend timed from the frame before (100): on the state at 150.
    expect(landedAt).toEqual([150]);
    expect(m.sentAtMs[s]).toBe(EPOCH + 100);
  });

  it('moves a drone flying straight at constant speed smoothly: equal steps per frame, whatever the pick-up delays', () => {
    // Frames every 30 ms (drone frames) against states every 100 ms: each state is picked up 0–30 ms after it arrived,
    // a different delay every time.
    const { frames } = fly({ lonAt: (t) => t * SPEED, intervalMs: 100, delayMs: 20, frameMs: 30, untilMs: 3000 });
    const steady = frames.filter((f) => f.t > 1000);
    const steps = steady.slice(1).map((f, i) => f.x - steady[i].x);
    const expected = mercatorX(30 * SPEED) - mercatorX(0);
    for (const step of steps) expect(Math.abs(step - expected) / expected).toBeLessThan(0.1);
    // And not behind: drawn within a frame's travel of where the drone is (sender time − the delay seen, 20–50 ms).
    const last = steady[steady.length - 1];
    expect(last.x).toBeGreaterThan(mercatorX((last.t - 20 - 50) * SPEED));
  });

  it('stops a drone that stops reporting within one update interval (and the arrival slack) of its last report', () => {
    const stopAtMs = 1000;
    const { frames } = fly({ lonAt: (t) => t * SPEED, intervalMs: 100, delayMs: 20, frameMs: 10, untilMs: 2000, stopAtMs });
    const lastReport = mercatorX(stopAtMs * SPEED);
    const xs = frames.map((f) => f.x);
    const furthest = Math.max(...xs);
    expect(furthest).toBeGreaterThan(lastReport); // predicted past it...
    expect(furthest - lastReport).toBeLessThanOrEqual(mercatorX((100 + PREDICT_SLACK_MS) * SPEED) - mercatorX(0) + 1e-15); // ...not far
    // Still from (last report's send time + its delay + interval + slack) on: not moving, not asking for frames.
    const still = frames.filter((f) => f.t >= stopAtMs + 20 + 100 + PREDICT_SLACK_MS + 10);
    expect(still.length).toBeGreaterThan(10);
    for (const f of still) {
      expect(f.x).toBe(furthest);
      expect(f.moving).toBe(false);
    }
  });

  it('overshoots a turn back by at most one update interval (and the arrival slack) of travel', () => {
    const turnAt = 1000;
    const lonAt = (t: number) => (t <= turnAt ? t : 2 * turnAt - t) * SPEED; // east, then straight back west
    const { frames } = fly({ lonAt, intervalMs: 100, delayMs: 20, frameMs: 10, untilMs: 2000 });
    const furthest = Math.max(...frames.map((f) => f.x));
    expect(furthest - mercatorX(turnAt * SPEED)).toBeLessThanOrEqual(mercatorX((100 + PREDICT_SLACK_MS) * SPEED) - mercatorX(0) + 1e-15);
    // And back on the way home: at the end drawn near where the drone reported last.
    const end = frames[frames.length - 1];
    expect(Math.abs(end.x - mercatorX(lonAt(end.t - 20)))).toBeLessThan(mercatorX(100 * SPEED) - mercatorX(0));
  });

  it('does not predict a drone whose state carries no speed or heading', () => {
    const { frames } = fly({ lonAt: (t) => t * SPEED, intervalMs: 100, delayMs: 20, frameMs: 10, untilMs: 1000, spd: NaN });
    // After each correction the drone is where it last reported, never past it.
    for (const f of frames) expect(f.x).toBeLessThanOrEqual(mercatorX(Math.floor((f.t - 20) / 100) * 100 * SPEED) + 1e-15);
  });

  it('blends the heading the short way and reflects a superseded state when the newer one is drawn', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, { lon: 0, hdg: 350, spd: NaN, sentAtMs: EPOCH });
    m.advance(c, 0);
    put(c, 1, 2, { lon: 0.00001, hdg: 10, spd: NaN, sentAtMs: EPOCH + 100 });
    m.advance(c, 100); // 100 ms after the last frame: drawn on the state at once
    expect(m.hdg[s]).toBeCloseTo(10, 6);
    put(c, 1, 3, { lon: 0.00002, hdg: 350, spd: NaN, sentAtMs: EPOCH + 200 });
    m.advance(c, 101);
    m.advance(c, 101 + CORRECTION_MS / 2 - 1); // half way: 10 → 350 through north
    expect(m.hdg[s]).toBeCloseTo(0, 6);
    expect(m.landed[s]).toBe(0);
    put(c, 1, 4, { lon: 0.00003, hdg: 350, spd: NaN, sentAtMs: EPOCH + 300 });
    let landedSent = NaN;
    for (let t = 101 + CORRECTION_MS / 2; t <= 300; t += 5) {
      m.advance(c, t);
      if (m.landed[s]) landedSent = m.landedSentAtMs[s];
    }
    // State 3 was never drawn on its own: the frame that drew state 4 reflected it (its drawn age is state 3's).
    expect(landedSent).toBe(EPOCH + 200);
  });

  it('jumps rather than blends across a long distance, and forgets freed slots', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, { lon: 0, sentAtMs: EPOCH });
    m.advance(c, 0);
    put(c, 1, 2, { lon: 90, sentAtMs: EPOCH + 100 });
    m.advance(c, 10);
    expect(m.x[s]).toBeCloseTo(mercatorX(90), 12);
    expect(m.landed[s]).toBe(1);
    m.advance(c, 20);
    expect(m.x[s]).toBeCloseTo(mercatorX(90), 12); // no velocity from a jump
    c.remove(1);
    m.advance(c, 200);
    expect(m.shown[s]).toBe(0);
    const again = put(c, 2, 1, { lon: 5, lat: 5, sentAtMs: EPOCH + 200 });
    m.advance(c, 300);
    expect(again).toBe(s);
    expect(m.x[s]).toBeCloseTo(mercatorX(5), 12); // another drone in the slot: placed, not blended from drone 1
  });

  it('draws new states at once, unpredicted, when motion is off (a machine too slow to animate)', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, { lon: 0, sentAtMs: EPOCH });
    m.advance(c, 0);
    put(c, 1, 2, { lon: 0.0001, sentAtMs: EPOCH + 100 });
    m.advance(c, 100);
    m.advance(c, 110);
    expect(m.x[s]).toBeGreaterThan(mercatorX(0.0001)); // predicted on
    m.glide = false;
    expect(m.advance(c, 120)).toBe(false);
    expect(m.x[s]).toBeCloseTo(mercatorX(0.0001), 12); // back on the newest state, and held there
    put(c, 1, 3, { lon: 0.0002, sentAtMs: EPOCH + 200 });
    expect(m.advance(c, 121)).toBe(false);
    expect(m.x[s]).toBeCloseTo(mercatorX(0.0002), 12);
    expect(m.landed[s]).toBe(1);
  });

  it('keeps up when frames come less often than states: each frame draws the newest state', () => {
    const { frames } = fly({ lonAt: (t) => t * SPEED, intervalMs: 100, delayMs: 20, frameMs: 300, untilMs: 3000 });
    for (const f of frames.slice(1)) {
      // On the newest state's track (sent at most 100 + 20 ms before the frame), not still blending from an old one.
      expect(f.landed).toBe(1);
      expect(f.landedSent).toBeGreaterThanOrEqual(f.t - 20 - 100 - 1);
      expect(f.x).toBeGreaterThanOrEqual(mercatorX((f.t - 20 - 100) * SPEED) - 1e-15);
    }
  });
});
