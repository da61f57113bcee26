import { describe, expect, it } from 'vitest';
import { CanvasPainter, isSoftwareRenderer, painterChoice, type AnyCanvas } from './droneRenderer';
import { cameraOf, emptyCamera, toScreen, wrapDx, type CameraState } from './mapCamera';
import { mercatorX, mercatorY } from './fleet/motion';

/** A 2D context that records the path each fill draws (the points of its moveTo/lineTo calls) and the fill's colour. */
function recordingCanvas(width: number, height: number) {
  const fills: { style: string; points: [number, number][] }[] = [];
  let path: [number, number][] = [];
  const ctx = {
    fillStyle: '', strokeStyle: '', lineWidth: 1,
    clearRect: () => {}, beginPath: () => { path = []; }, closePath: () => {},
    moveTo: (x: number, y: number) => path.push([x, y]), lineTo: (x: number, y: number) => path.push([x, y]),
    arc: (x: number, y: number) => path.push([x, y]),
    fill: () => fills.push({ style: ctx.fillStyle, points: path }), stroke: () => {},
  };
  const canvas = { width, height, getContext: () => ctx } as unknown as AnyCanvas;
  return { canvas, fills };
}

const NO_PADDING = { top: 0, bottom: 0, left: 0, right: 0 };
const PALETTE = new Float32Array(8 * 3).fill(0);
PALETTE.set([0, 1, 0], 2 * 3); // colour 2: green

/** Paints one green arrow at lon/lat with a heading; returns its points in device px and where the drone is on screen (CSS px). */
function paintOne(state: CameraState, lon: number, lat: number, heading: number, dpr: number) {
  const camera = cameraOf(state, emptyCamera());
  const { canvas, fills } = recordingCanvas(state.width * dpr, state.height * dpr);
  const painter = new CanvasPainter(canvas);
  const v = new Float32Array([wrapDx(mercatorX(lon) - camera.cx), mercatorY(lat) - camera.cy, (heading * Math.PI) / 180, 2]);
  painter.begin(v, 1, camera, PALETTE, dpr);
  painter.arrow(20, null, 0, 1);
  painter.end();
  return { fills, at: toScreen(camera, mercatorX(lon), mercatorY(lat), { x: 0, y: 0 }) };
}

describe('the Canvas 2D painter (where WebGL has no GPU)', () => {
  const state = (patch: Partial<CameraState> = {}): CameraState =>
    ({ lng: 8.5, lat: 47.4, zoom: 12, bearing: 0, padding: NO_PADDING, width: 1000, height: 800, ...patch });

  it('should draw a drone where the map camera puts it, in its status colour, at the device pixel ratio', () => {
    const { fills, at } = paintOne(state(), 8.51, 47.39, 0, 2);
    expect(fills).toHaveLength(1);
    expect(fills[0].style).toBe('rgb(0,255,0)');
    const xs = fills[0].points.map((p) => p[0]);
    const ys = fills[0].points.map((p) => p[1]);
    // Heading north: the tip (first point) straight above the drone, the wings below it.
    expect(xs[0]).toBeCloseTo(at.x * 2, 3);
    expect(ys[0]).toBeCloseTo(at.y * 2 - 0.8125 * 20, 3);
    expect(Math.min(...xs)).toBeCloseTo(at.x * 2 - 0.625 * 20, 3);
    expect(Math.max(...ys)).toBeCloseTo(at.y * 2 + 0.75 * 20, 3);
  });

  it('should turn an arrow clockwise by its heading less the map bearing', () => {
    const east = paintOne(state(), 8.5, 47.4, 90, 1);
    expect(east.fills[0].points[0][0]).toBeCloseTo(east.at.x + 0.8125 * 10, 3);
    expect(east.fills[0].points[0][1]).toBeCloseTo(east.at.y, 3);
    // With the map turned so that east is up, a drone heading east points up.
    const up = paintOne(state({ bearing: 90 }), 8.5, 47.4, 90, 1);
    expect(up.fills[0].points[0][0]).toBeCloseTo(up.at.x, 3);
    expect(up.fills[0].points[0][1]).toBeCloseTo(up.at.y - 0.8125 * 10, 3);
  });

  it('should leave out drones off the canvas', () => {
    const { fills } = paintOne(state(), 10, 47.4, 0, 1);
    expect(fills).toHaveLength(0);
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
