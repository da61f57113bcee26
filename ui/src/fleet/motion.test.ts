import { describe, expect, it } from 'vitest';
import { emptyValues, FleetColumns } from './columns';
import { MAX_GLIDE_MS, mercatorX, mercatorY, Motion } from './motion';

function put(c: FleetColumns, id: number, seq: number, lon: number, lat: number, hdg = 0, sentAtMs = seq * 100): number {
  const v = emptyValues();
  Object.assign(v, { id, seq, lon, lat, hdg, sentAtMs, receivedAtMs: sentAtMs });
  return c.upsert(v);
}

describe('Motion', () => {
  it('draws a new drone where it is, then glides to each new state over its update interval', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, 13, 52);
    expect(m.advance(c, 1000)).toBe(false);
    expect(m.x[s]).toBeCloseTo(mercatorX(13), 12);
    put(c, 1, 2, 13.001, 52);
    m.advance(c, 1100); // 100 ms after the first state: glide over 100 ms
    expect(m.x[s]).toBeCloseTo(mercatorX(13), 12);
    expect(m.advance(c, 1150)).toBe(true);
    expect(m.x[s]).toBeCloseTo((mercatorX(13) + mercatorX(13.001)) / 2, 12);
    expect(m.sentAtMs[s]).toBeCloseTo(150, 6); // half way between the two states' send times
    expect(m.advance(c, 1200)).toBe(false);
    expect(m.x[s]).toBeCloseTo(mercatorX(13.001), 12);
    expect(m.y[s]).toBeCloseTo(mercatorY(52), 12);
  });

  it('starts the next glide from where the drone is drawn, turns the short way, and caps the glide', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, 0, 0, 350);
    m.advance(c, 0);
    put(c, 1, 2, 0.001, 0, 10);
    m.advance(c, 5000); // rarely reporting: the glide is capped
    m.advance(c, 5000 + MAX_GLIDE_MS / 2);
    expect(m.hdg[s]).toBeCloseTo(0, 6); // 350 → 10 through north, half way
    const halfway = m.x[s];
    put(c, 1, 3, 0.002, 0, 10);
    m.advance(c, 5000 + MAX_GLIDE_MS / 2);
    expect(m.x[s]).toBeCloseTo(halfway, 12); // no jump back to the last state's position
  });

  it('jumps rather than glides across a long distance, and forgets freed slots', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, 0, 0);
    m.advance(c, 0);
    put(c, 1, 2, 90, 0);
    m.advance(c, 100);
    expect(m.x[s]).toBeCloseTo(mercatorX(90), 12);
    c.remove(1);
    m.advance(c, 200);
    expect(m.shown[s]).toBe(0);
    const again = put(c, 2, 1, 5, 5);
    m.advance(c, 300);
    expect(again).toBe(s);
    expect(m.x[s]).toBeCloseTo(mercatorX(5), 12); // another drone in the slot: placed, not glided from drone 1
  });

  it('draws new states at once when gliding is off (a machine too slow to animate)', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, 0, 0);
    m.advance(c, 0);
    m.glide = false;
    put(c, 1, 2, 0.001, 0);
    expect(m.advance(c, 100)).toBe(false);
    expect(m.x[s]).toBeCloseTo(mercatorX(0.001), 12);
  });

  it('keeps up when frames come less often than states: each glide starts where the last had got to, not where it was drawn', () => {
    const c = new FleetColumns();
    const m = new Motion();
    const s = put(c, 1, 1, 0, 0);
    m.advance(c, 0);
    // States every 100 ms (each 0.0001° further east), frames every 300 ms: a frame sees a new state every time.
    for (let t = 100, seq = 2; t <= 3000; t += 100, seq++) {
      put(c, 1, seq, (seq - 1) * 0.0001, 0, 0, t);
      if (t % 300 === 0) m.advance(c, t);
    }
    // Drawn at most one frame interval behind the newest state (sent at 3000, at 0.0029°), not still near the start.
    expect(m.sentAtMs[s]).toBeGreaterThanOrEqual(2700);
    expect(m.x[s]).toBeGreaterThanOrEqual(mercatorX(0.0026) - 1e-12);
  });
});
