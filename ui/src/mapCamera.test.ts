import { describe, expect, it } from 'vitest';
import { cameraOf, clipTransform, emptyCamera, sameCamera, toScreen, WORLD_TILE_SIZE, wrapDx, type CameraState } from './mapCamera';
import { mercatorX, mercatorY } from './fleet/motion';

const NO_PADDING = { top: 0, bottom: 0, left: 0, right: 0 };

function state(patch: Partial<CameraState> = {}): CameraState {
  return { lng: 0, lat: 0, zoom: 0, bearing: 0, padding: NO_PADDING, width: 1000, height: 800, ...patch };
}

function screenOf(s: CameraState, lon: number, lat: number): { x: number; y: number } {
  return toScreen(cameraOf(s, emptyCamera()), mercatorX(lon), mercatorY(lat), { x: 0, y: 0 });
}

describe('the map camera', () => {
  it('should draw the centre in the middle of the canvas', () => {
    const p = screenOf(state({ lng: 8.54, lat: 47.37, zoom: 13, bearing: 37 }), 8.54, 47.37);
    expect(p.x).toBeCloseTo(500, 6);
    expect(p.y).toBeCloseTo(400, 6);
  });

  it('should put a point a quarter of the world east 128 px to the right at zoom 0', () => {
    const p = screenOf(state(), 90, 0);
    expect(p.x).toBeCloseTo(500 + WORLD_TILE_SIZE / 4, 6);
    expect(p.y).toBeCloseTo(400, 6);
  });

  it('should scale with the zoom as MapLibre does (512 px per world at zoom 0, doubling per level)', () => {
    const p = screenOf(state({ zoom: 10 }), 0.1, 0);
    expect(p.x - 500).toBeCloseTo((0.1 / 360) * 512 * 1024, 6);
  });

  it('should draw north up and south down', () => {
    expect(screenOf(state({ zoom: 4 }), 0, 5).y).toBeLessThan(400);
    expect(screenOf(state({ zoom: 4 }), 0, -5).y).toBeGreaterThan(400);
  });

  it('should turn the map with the bearing: at bearing 90 east is up and north is left', () => {
    const s = state({ zoom: 4, bearing: 90 });
    const east = screenOf(s, 1, 0);
    expect(east.x).toBeCloseTo(500, 6);
    expect(east.y).toBeCloseTo(400 - (1 / 360) * 512 * 16, 6);
    const north = screenOf(s, 0, 1);
    expect(north.x).toBeLessThan(500);
    expect(north.y).toBeCloseTo(400, 6);
  });

  it('should keep distances whatever the bearing', () => {
    const at = (bearing: number) => {
      const p = screenOf(state({ zoom: 9, bearing }), 0.05, 0.03);
      return Math.hypot(p.x - 500, p.y - 400);
    };
    for (const bearing of [17, 90, 180, -135]) expect(at(bearing)).toBeCloseTo(at(0), 6);
  });

  it('should put the centre in the middle of the padded view', () => {
    const p = screenOf(state({ padding: { top: 40, bottom: 0, left: 200, right: 0 } }), 0, 0);
    expect(p.x).toBeCloseTo(600, 6);
    expect(p.y).toBeCloseTo(420, 6);
  });

  it('should draw a drone across the antimeridian next to the centre, not a world away', () => {
    const p = screenOf(state({ lng: 179.5, zoom: 6 }), -179.5, 0);
    expect(p.x - 500).toBeCloseTo((1 / 360) * 512 * 64, 6);
    expect(wrapDx(0.75)).toBeCloseTo(-0.25, 12);
    expect(wrapDx(-1.6)).toBeCloseTo(0.4, 12);
  });

  it('should give the GPU the same mapping, in clip space', () => {
    const clip = new Float32Array(6);
    for (const s of [state({ lng: 8.5, lat: 47.3, zoom: 12, bearing: 33 }), state({ lng: -70, lat: -30, zoom: 3, bearing: -120,
      padding: { top: 10, bottom: 30, left: 0, right: 90 }, width: 640, height: 480 })]) {
      const c = cameraOf(s, emptyCamera());
      clipTransform(c, clip);
      for (const [lon, lat] of [[s.lng + 0.01, s.lat - 0.02], [s.lng - 0.3, s.lat + 0.1], [s.lng, s.lat]]) {
        const x = mercatorX(lon);
        const y = mercatorY(lat);
        const px = toScreen(c, x, y, { x: 0, y: 0 });
        const dx = wrapDx(x - c.cx);
        const dy = y - c.cy;
        // What the vertex shader computes: u_matrix (column-major) · (dx, dy) + u_offset.
        const cxClip = clip[0] * dx + clip[2] * dy + clip[4];
        const cyClip = clip[1] * dx + clip[3] * dy + clip[5];
        expect(((cxClip + 1) / 2) * s.width).toBeCloseTo(px.x, 2);
        expect(((1 - cyClip) / 2) * s.height).toBeCloseTo(px.y, 2);
      }
    }
  });

  it('should tell a moved camera from the same one', () => {
    const a = cameraOf(state({ zoom: 5 }), emptyCamera());
    expect(sameCamera(a, cameraOf(state({ zoom: 5 }), emptyCamera()))).toBe(true);
    expect(sameCamera(a, cameraOf(state({ zoom: 5.01 }), emptyCamera()))).toBe(false);
    expect(sameCamera(a, cameraOf(state({ zoom: 5, width: 999 }), emptyCamera()))).toBe(false);
  });
});
