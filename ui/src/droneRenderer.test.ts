import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CanvasPainter, DRONE_FRAME_MS, DroneRenderer, isSoftwareRenderer, WORKER_DRONE_FRAME_MS, WORKER_FRAME_SHARE,   painterChoice, type AnyCanvas, type LiveFleet,
} from './droneRenderer';
import { cameraOf, emptyCamera, toScreen, wrapDx, type CameraState } from './mapCamera';
import { emptyValues, FleetColumns, Names, STATUS_NAMES } from './fleet/columns';
import { CORRECTION_MS, mercatorX, mercatorY } from './fleet/motion';

/** A 2D context whose putImageData keeps what it was given: the canvas's pixels as the painter put them. */
function pixelCanvas(width: number, height: number) {
  const pixels = new Uint8ClampedArray(width * height * 4);
  const puts: { x: number; y: number; width: number; height: number }[] = [];
  const ctx = {
    clearRect: () => pixels.fill(0),
    createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }),
    putImageData: (image: { data: Uint8ClampedArray }, _dx: number, _dy: number, x: number, y: number, w: number, h: number) => {
      puts.push({ x, y, width: w, height: h });
      for (let row = y; row < y + h; row++) pixels.set(image.data.subarray((row * width + x) * 4, (row * width + x + w) * 4), (row * width + x) * 4);
    },
  };
  const canvas = { width, height, getContext: () => ctx } as unknown as AnyCanvas;
  const at = (x: number, y: number) => Array.from(pixels.subarray((Math.round(y) * width + Math.round(x)) * 4, (Math.round(y) * width + Math.round(x)) * 4 + 4));
  /** The drawn pixels' bounding box. */
  const drawn = () => {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 3; i < pixels.length; i += 4) {
      if (pixels[i] === 0) continue;
      const p = (i - 3) / 4;
      x0 = Math.min(x0, p % width); x1 = Math.max(x1, p % width);
      y0 = Math.min(y0, Math.floor(p / width)); y1 = Math.max(y1, Math.floor(p / width));
    }
    return { x0, y0, x1, y1 };
  };
  return { canvas, puts, at, drawn };
}

const NO_PADDING = { top: 0, bottom: 0, left: 0, right: 0 };
const PALETTE = new Float32Array(8 * 3).fill(0);
PALETTE.set([0, 1, 0], 2 * 3); // colour 2: green

/** Paints one green arrow 20 CSS px wide at lon/lat with a heading; the canvas and where the drone is on screen (CSS px). */
function paintOne(state: CameraState, lon: number, lat: number, heading: number, dpr: number) {
  const camera = cameraOf(state, emptyCamera());
  const surface = pixelCanvas(state.width * dpr, state.height * dpr);
  const painter = new CanvasPainter(surface.canvas);
  const v = new Float32Array([wrapDx(mercatorX(lon) - camera.cx), mercatorY(lat) - camera.cy, (heading * Math.PI) / 180, 2]);
  painter.begin(v, 1, camera, PALETTE, dpr);
  painter.arrow(20, null, 0, 1);
  painter.end();
  return { ...surface, painter, v, camera, screen: toScreen(camera, mercatorX(lon), mercatorY(lat), { x: 0, y: 0 }) };
}

describe('the Canvas 2D painter (where WebGL has no GPU)', () => {
  const state = (patch: Partial<CameraState> = {}): CameraState =>
    ({ lng: 8.5, lat: 47.4, zoom: 12, bearing: 0, padding: NO_PADDING, width: 400, height: 300, ...patch });

  it('should draw a drone where the map camera puts it, in its status colour, at the device pixel ratio', () => {
    const { at, drawn, screen } = paintOne(state({ width: 240, height: 240 }), 8.51, 47.39, 0, 2);
    const x = screen.x * 2;
    const y = screen.y * 2;
    expect(at(x, y)).toEqual([0, 255, 0, 255]);
    // Heading north: the tip straight above the drone, the wings below it, 40 device px wide at dpr 2 (±1 px: rounding).
    const box = drawn();
    expect(box.y0).toBeGreaterThanOrEqual(y - 0.8125 * 20 - 1.5);
    expect(box.y0).toBeLessThanOrEqual(y - 0.8125 * 20 + 1.5);
    expect(box.y1).toBeCloseTo(y + 0.75 * 20, -0.5);
    expect(box.x0).toBeCloseTo(x - 0.625 * 20, -0.5);
    expect(box.x1).toBeCloseTo(x + 0.625 * 20, -0.5);
    expect(at(x, y - 0.7 * 20)).toEqual([0, 255, 0, 255]);
    expect(at(x - 0.5 * 20, y - 0.7 * 20)[3]).toBe(0);
  });

  it('should turn an arrow clockwise by its heading less the map bearing', () => {
    const east = paintOne(state(), 8.5, 47.4, 90, 1);
    expect(east.at(east.screen.x + 3, east.screen.y)[3]).toBe(255);
    expect(east.at(east.screen.x - 6, east.screen.y)[3]).toBe(0); // the notch
    expect(east.drawn().x1).toBeCloseTo(east.screen.x + 0.8125 * 10, -0.5);
    // With the map turned so that east is up, a drone heading east points up.
    const up = paintOne(state({ bearing: 90 }), 8.5, 47.4, 90, 1);
    expect(up.at(up.screen.x, up.screen.y - 3)[3]).toBe(255);
    expect(up.at(up.screen.x, up.screen.y + 6)[3]).toBe(0);
    expect(up.drawn().y0).toBeCloseTo(up.screen.y - 0.8125 * 10, -0.5);
  });

  it('should leave out drones off the canvas', () => {
    const { puts, drawn } = paintOne(state(), 10, 47.4, 0, 1);
    expect(puts).toHaveLength(0);
    expect(drawn().x1).toBe(-Infinity);
  });

  it('should clear where a drone was when it moved, and put only the area drawn now or before', () => {
    const one = paintOne(state(), 8.51, 47.39, 0, 1);
    const before = one.drawn();
    // The next frame: the drone 100 px to the right.
    const dx = 100 / one.camera.worldSize;
    one.v[0] += dx;
    one.painter.begin(one.v, 1, one.camera, PALETTE, 1);
    one.painter.arrow(20, null, 0, 1);
    one.painter.end();
    const after = one.drawn();
    expect(after.x0 - before.x0).toBe(100);
    expect(after.y0).toBe(before.y0);
    const put = one.puts[one.puts.length - 1];
    expect(put.x).toBeLessThanOrEqual(before.x0);
    expect(put.x + put.width - 1).toBeGreaterThanOrEqual(after.x1);
    expect(put.width).toBeLessThan(100 + 30);
    expect(put.height).toBeLessThan(30);
  });

  it('should draw rings under the arrows: an alert ring translucent inside, opaque at its edge, the arrow over it', () => {
    const camera = cameraOf(state(), emptyCamera());
    const surface = pixelCanvas(400, 300);
    const painter = new CanvasPainter(surface.canvas);
    const v = new Float32Array([0, 0, 0, 2, 0, 0, 0, 2]); // the drone, then the same drone as an alert ring
    painter.begin(v, 2, camera, PALETTE, 1);
    painter.ring({ radius: 11, stroke: 2, rgb: [0xf4, 0x3f, 0x5e], fill: 0.18 }, 1, 1);
    painter.arrow(20, null, 0, 1);
    painter.end();
    const { x, y } = toScreen(camera, camera.cx, camera.cy, { x: 0, y: 0 });
    expect(surface.at(x, y)).toEqual([0, 255, 0, 255]); // the arrow on top
    expect(surface.at(x - 12, y)).toEqual([0xf4, 0x3f, 0x5e, 255]); // the band, 11..13 px out
    const inside = surface.at(x - 9, y); // in the disc, beside the arrow
    expect(inside.slice(0, 3)).toEqual([0xf4, 0x3f, 0x5e]);
    expect(inside[3]).toBeCloseTo(0.18 * 255, -1);
    expect(surface.at(x - 15, y)[3]).toBe(0);
  });
});

describe('choosing the painter', () => {
  it('should take Canvas 2D for software WebGL only', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe(false);
  });

  it('should follow ?drones= in the address, else choose by itself', () => {
    expect(painterChoice('?drones=webgl')).toBe('webgl');
    expect(painterChoice('?x=1&drones=canvas2d')).toBe('canvas2d');
    expect(painterChoice('?drones=bogus')).toBe('auto');
    expect(painterChoice('')).toBe('auto');
  });
});

describe('measuring what the map draws', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('should take the drawn age per state (send to the first frame drawing it) and the drawn staleness per frame', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const start = 1_765_000_000_000;
    vi.setSystemTime(start);
    const columns = new FleetColumns();
    const fleet: LiveFleet = {
      columns, statuses: new Names(STATUS_NAMES), version: 0, alertVersion: 0, alertedDrones: () => new Set<number>(),
    };
    let frame: ((now: number) => void) | null = null;
    const host = { requestFrame: (callback: (now: number) => void) => { frame = callback; return 1; }, cancelFrame: () => {} };
    const renderer = new DroneRenderer(fleet, pixelCanvas(100, 100).canvas, host, 0.5, 'canvas2d');
    renderer.resize(100, 100, 1);
    renderer.measureDrawnAge = true;
    renderer.start();
    // A drone flying east, a state every 100 ms, each arriving 30 ms after it was sent; animation frames every 10 ms
    // (drone frames every 30 ms at most: DRONE_FRAME_MS). The frame's commit is done before the next animation frame.
    const v = emptyValues();
    const sent: number[] = [];
    for (let t = 0; t < 2000; t += 10) {
      if (t % 100 === 30) {
        const sentAt = start + t - 30;
        Object.assign(v, { id: 7, seq: t, lat: 47, lon: 8 + t * 1e-7, hdg: 90, spd: 10, sentAtMs: sentAt, receivedAtMs: start + t });
        columns.upsert(v);
        (fleet as { version: number }).version++;
        sent.push(sentAt);
      }
      frame!(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 1)); // the commit's task (MessageChannel) runs
      vi.advanceTimersByTime(10);
    }
    renderer.stop();
    const ages = renderer.drawnAges.percentiles([0, 50, 100]);
    const staleness = renderer.drawnStaleness.percentiles([0, 50, 100]);
    // Every state reflected once (the last may still be blending): arrival 30 ms + up to a drone frame's wait (30 ms) +
    // the blend, never the update interval (100 ms) the glide used to add.
    expect(renderer.drawnAges.size).toBeGreaterThanOrEqual(sent.length - 1);
    expect(renderer.drawnAges.size).toBeLessThanOrEqual(sent.length);
    expect(ages[0]).toBeGreaterThanOrEqual(30);
    expect(ages[2]).toBeLessThanOrEqual(30 + 30 + CORRECTION_MS);
    // Per frame, the newest state in use ages until the next arrives: up to its interval more than at its first frame.
    expect(staleness[0]).toBeGreaterThanOrEqual(30);
    expect(staleness[2]).toBeLessThanOrEqual(30 + 30 + 100);
    expect(staleness[1]).toBeGreaterThan(ages[1]);
  });
});

describe('how often drones are drawn', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Drone frames drawn over 1 s of 60 Hz animation frames with new data at each, frames costing nothing. */
  async function droneFrames(minFrameMs?: number): Promise<number> {
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    const columns = new FleetColumns();
    const fleet: LiveFleet = {
      columns, statuses: new Names(STATUS_NAMES), version: 0, alertVersion: 0, alertedDrones: () => new Set<number>(),
    };
    let frame: ((now: number) => void) | null = null;
    const host = { requestFrame: (callback: (now: number) => void) => { frame = callback; return 1; }, cancelFrame: () => {} };
    const renderer = new DroneRenderer(fleet, pixelCanvas(100, 100).canvas, host, WORKER_FRAME_SHARE, 'canvas2d', minFrameMs);
    renderer.resize(100, 100, 1);
    renderer.start();
    const v = emptyValues();
    for (let i = 0; i < 60; i++) {
      Object.assign(v, { id: 7, seq: i, lat: 47, lon: 8 + i * 1e-5, hdg: 90, spd: 10, sentAtMs: Date.now(), receivedAtMs: Date.now() });
      columns.upsert(v);
      (fleet as { version: number }).version++;
      frame!(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 1)); // the commit's task (MessageChannel) runs
      vi.advanceTimersByTime(1000 / 60);
    }
    renderer.stop();
    return renderer.drawn.frames;
  }

  it('should draw at every animation frame in the fleet worker when frames are cheap, as a blank page would', async () => {
    // Every other frame at most (DRONE_FRAME_MS) capped the dashboard at half a blank page's frame rate on any machine.
    expect(WORKER_DRONE_FRAME_MS).toBeLessThan(1000 / 60);
    expect(await droneFrames(WORKER_DRONE_FRAME_MS)).toBeGreaterThanOrEqual(59);
  });

  it('should draw at most every other animation frame on the main thread of the page', async () => {
    expect(DRONE_FRAME_MS).toBeGreaterThan(1000 / 60);
    expect(await droneFrames()).toBeLessThanOrEqual(31);
  });
});
