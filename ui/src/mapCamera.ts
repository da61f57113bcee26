// Where a point of Web Mercator lands on the map's canvas, for the drone overlay (droneOverlay.ts), which draws on a
// canvas of its own and so needs the map's camera without being one of its layers. The map never pitches or rolls
// (FleetMap sets maxPitch 0), so the camera is affine: the point's offset from the centre, scaled by the world's size
// in pixels at the zoom, rotated by the bearing, put at the centre of the padded view. MapLibre's own projection
// (`map.project`) agrees to a fraction of a pixel: the browser test checks it at several camera states. Pure and
// unit-tested; nothing is allocated per call.

import { mercatorX, mercatorY } from './fleet/motion';

/** MapLibre's tile size: the world is this many CSS px wide at zoom 0. */
export const WORLD_TILE_SIZE = 512;

export interface Camera {
  /** The centre in Web Mercator (0..1 across the world, y down). */
  cx: number;
  cy: number;
  /** The world's width in CSS px at this zoom. */
  worldSize: number;
  cos: number;
  sin: number;
  /** Where the centre is drawn, CSS px from the canvas's top left (the middle of the view less the padding). */
  px: number;
  py: number;
  /** The canvas's size in CSS px. */
  width: number;
  height: number;
}

export interface CameraState {
  lng: number;
  lat: number;
  zoom: number;
  /** Degrees clockwise from north: the direction that is up on the screen. */
  bearing: number;
  padding: { top: number; bottom: number; left: number; right: number };
  width: number;
  height: number;
}

export function emptyCamera(): Camera {
  return { cx: 0.5, cy: 0.5, worldSize: WORLD_TILE_SIZE, cos: 1, sin: 0, px: 0, py: 0, width: 0, height: 0 };
}

/** The camera of a map state, written into `out`. */
export function cameraOf(s: CameraState, out: Camera): Camera {
  const bearing = (s.bearing * Math.PI) / 180;
  out.cx = mercatorX(s.lng);
  out.cy = mercatorY(s.lat);
  out.worldSize = WORLD_TILE_SIZE * 2 ** s.zoom;
  out.cos = Math.cos(bearing);
  out.sin = Math.sin(bearing);
  // As MapLibre's EdgeInsets.getCenter: the middle of what the padding leaves, kept on the canvas.
  out.px = clamp((s.padding.left + s.width - s.padding.right) / 2, 0, s.width);
  out.py = clamp((s.padding.top + s.height - s.padding.bottom) / 2, 0, s.height);
  out.width = s.width;
  out.height = s.height;
  return out;
}

/** Whether two cameras draw the same picture (the overlay redraws when the camera changed). */
export function sameCamera(a: Camera, b: Camera): boolean {
  return a.cx === b.cx && a.cy === b.cy && a.worldSize === b.worldSize && a.cos === b.cos && a.sin === b.sin &&
    a.px === b.px && a.py === b.py && a.width === b.width && a.height === b.height;
}

export function copyCamera(from: Camera, to: Camera): Camera {
  to.cx = from.cx; to.cy = from.cy; to.worldSize = from.worldSize; to.cos = from.cos; to.sin = from.sin;
  to.px = from.px; to.py = from.py; to.width = from.width; to.height = from.height;
  return to;
}

/**
 * A Mercator x offset from the centre brought to the world copy nearest the centre (the overlay draws each drone once,
 * where the view is; MapLibre shows further copies only when zoomed out past the whole world).
 */
export function wrapDx(dx: number): number {
  return dx - Math.round(dx);
}

/** CSS px on the canvas of a Mercator point, written into `out`. */
export function toScreen(c: Camera, x: number, y: number, out: { x: number; y: number }): { x: number; y: number } {
  const dx = wrapDx(x - c.cx) * c.worldSize;
  const dy = (y - c.cy) * c.worldSize;
  out.x = c.px + dx * c.cos + dy * c.sin;
  out.y = c.py - dx * c.sin + dy * c.cos;
  return out;
}

/**
 * The same mapping for the GPU, from a point's Mercator offset to the centre (computed in doubles, so float32 keeps it
 * exact at any zoom) to clip space: clip = M · (dx, dy) + t, M column-major as `uniformMatrix2fv` takes it. `out` gets
 * M (4 values) then t (2).
 */
export function clipTransform(c: Camera, out: Float32Array): Float32Array {
  const sx = (2 * c.worldSize) / c.width;
  const sy = (2 * c.worldSize) / c.height;
  // clip.x = 2·px/width − 1 and clip.y = 1 − 2·py/height, with px, py from toScreen.
  out[0] = sx * c.cos;
  out[1] = sy * c.sin;
  out[2] = sx * c.sin;
  out[3] = -sy * c.cos;
  out[4] = (2 * c.px) / c.width - 1;
  out[5] = 1 - (2 * c.py) / c.height;
  return out;
}

function clamp(v: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, v));
}
