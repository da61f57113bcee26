// The Canvas 2D painter's marks as pre-rasterised coverage masks, stamped into one pixel buffer that goes to the canvas
// with a single putImageData per frame (droneRenderer.ts, CanvasPainter). Why not Skia paths (what the painter did
// first: one path per status colour): in the bench's Chromium a frame of 1,000 arrows cost the fleet worker ~7.5 ms
// of CPU in `OffscreenCanvasRenderingContext2D::FinalizeFrame` (Skia filling antialiased paths across the whole
// canvas) plus ~3.5 ms of JavaScript building them with ~5,000 canvas calls; stamping a mask per drone is a few
// hundred byte operations each, in one typed-array loop, and the canvas gets one image (docs/performance.md, "Drones
// as stamped masks"). drawImage of sprites from an atlas was slower still than the paths (one draw call per drone).
//
// An arrow's mask depends on its size and its direction on the screen: directions are quantised to HEADING_BUCKETS
// (2.8°: under a third of a pixel at the tip of the largest arrow), sizes to half a device pixel, and a mask is made
// the first time it is needed and kept (a few sizes at a time: the arrow's size follows the zoom). Positions are
// rounded to whole device pixels. Pure: no DOM, nothing allocated per frame; unit-tested in droneSprites.test.ts.

/** Directions an arrow is drawn in (a full turn). */
export const HEADING_BUCKETS = 128;
/** Arrow sizes kept at once (the drones' size, the selected drone's two larger ones, and a zoom's in-between sizes). */
const SIZES_KEPT = 8;
/** Subsamples per pixel side when a mask is made (16 per pixel: 17 levels of coverage at an edge). */
const SUB = 4;

// The arrow of the old SDF icon in units of half its box, y down: tip, right wing, notch, left wing.
export const ARROW_X = [0, 0.625, 0, -0.625];
export const ARROW_Y = [-0.8125, 0.75, 0.40625, 0.75];

/** A square coverage mask (0..255 per pixel) whose centre, (side/2, side/2), is the mark's centre. */
export interface Mask {
  readonly side: number;
  readonly alpha: Uint8Array;
}

function side(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  return (bx - ax) * (py - ay) - (by - ay) * (px - ax);
}

function inTriangle(px: number, py: number, ax: number, ay: number, bx: number, by: number, cx: number, cy: number): boolean {
  const d1 = side(px, py, ax, ay, bx, by);
  const d2 = side(px, py, bx, by, cx, cy);
  const d3 = side(px, py, cx, cy, ax, ay);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

/** Coverage of `inside(x, y)` (x, y relative to the centre, device px) over a square of `side` px, SUB² samples a pixel. */
function rasterise(sidePx: number, inside: (x: number, y: number) => number): Mask {
  const alpha = new Uint8Array(sidePx * sidePx);
  const half = sidePx / 2;
  for (let row = 0; row < sidePx; row++) {
    for (let col = 0; col < sidePx; col++) {
      let sum = 0;
      for (let i = 0; i < SUB; i++) {
        const y = row + (i + 0.5) / SUB - half;
        for (let j = 0; j < SUB; j++) sum += inside(col + (j + 0.5) / SUB - half, y);
      }
      alpha[row * sidePx + col] = Math.round((sum * 255) / (SUB * SUB));
    }
  }
  return { side: sidePx, alpha };
}

/** The arrow `size` device px wide (its box), turned clockwise on the screen by `angle` rad (0: pointing up). */
export function arrowMask(size: number, angle: number): Mask {
  const half = size / 2;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  // In the arrow's own frame (units of half its box) the sample is turned back by the angle.
  return rasterise(2 * Math.ceil(half + 1), (x, y) => {
    const ax = (x * c + y * s) / half;
    const ay = (-x * s + y * c) / half;
    return inTriangle(ax, ay, ARROW_X[0], ARROW_Y[0], ARROW_X[1], ARROW_Y[1], ARROW_X[2], ARROW_Y[2])
      || inTriangle(ax, ay, ARROW_X[0], ARROW_Y[0], ARROW_X[2], ARROW_Y[2], ARROW_X[3], ARROW_Y[3]) ? 1 : 0;
  });
}

/** A ring `outer` device px in radius: a band `stroke` wide at the outside (opaque), a disc of `fill` opacity inside it. */
export function ringMask(outer: number, stroke: number, fill: number): Mask {
  const inner = outer - stroke;
  return rasterise(2 * Math.ceil(outer + 1), (x, y) => {
    const d = Math.hypot(x, y);
    return d <= inner ? fill : d <= outer ? 1 : 0;
  });
}

/** The bucket of a direction on the screen, rad. */
export function headingBucket(angle: number): number {
  const b = Math.round((angle * HEADING_BUCKETS) / (2 * Math.PI)) % HEADING_BUCKETS;
  return b < 0 ? b + HEADING_BUCKETS : b;
}

/** Arrow masks by size and direction, made when first asked for. */
export class ArrowMasks {
  private readonly bySize = new Map<number, (Mask | undefined)[]>();

  /** The arrow of `size` device px (rounded to half a pixel) in direction bucket `bucket`. */
  get(size: number, bucket: number): Mask {
    const key = Math.max(1, Math.round(size * 2) / 2);
    let masks = this.bySize.get(key);
    if (!masks) {
      if (this.bySize.size >= SIZES_KEPT) this.bySize.delete(this.bySize.keys().next().value!);
      masks = new Array<Mask | undefined>(HEADING_BUCKETS);
      this.bySize.set(key, masks);
    }
    return (masks[bucket] ??= arrowMask(key, (bucket * 2 * Math.PI) / HEADING_BUCKETS));
  }
}

/**
 * A frame's pixels, unpremultiplied RGBA as ImageData holds them: masks are stamped in a colour ("source-over", as a
 * canvas draws), and only the area drawn in this frame or the last goes to the canvas.
 */
export class PixelFrame {
  width = 0;
  height = 0;
  data: Uint8ClampedArray = new Uint8ClampedArray(0);
  // What this frame drew and what the last one did (to clear on the canvas): x0, y0 inclusive, x1, y1 exclusive.
  private x0 = 0; private y0 = 0; private x1 = 0; private y1 = 0;
  private lastX0 = 0; private lastY0 = 0; private lastX1 = 0; private lastY1 = 0;

  /** Starts a frame of `width` × `height` (a new size clears everything; else only what the last frame drew). */
  begin(width: number, height: number, allocate: (w: number, h: number) => Uint8ClampedArray): void {
    if (width !== this.width || height !== this.height) {
      this.width = width;
      this.height = height;
      this.data = allocate(width, height);
      this.lastX0 = this.lastY0 = this.lastX1 = this.lastY1 = 0;
    } else {
      this.zero(this.x0, this.y0, this.x1, this.y1);
    }
    this.x0 = this.y0 = Infinity;
    this.x1 = this.y1 = -Infinity;
  }

  /** Everything transparent, nothing left to clear (the canvas was cleared as a whole). */
  reset(): void {
    this.zero(this.x0, this.y0, this.x1, this.y1);
    this.zero(this.lastX0, this.lastY0, this.lastX1, this.lastY1);
    this.x0 = this.y0 = this.x1 = this.y1 = 0;
    this.lastX0 = this.lastY0 = this.lastX1 = this.lastY1 = 0;
  }

  /**
   * Stamps `mask` centred on the pixel corner nearest (x, y), in colour r, g, b (0..255) at `opacity` (0..1) of its
   * coverage. Off the frame: nothing.
   */
  stamp(mask: Mask, x: number, y: number, r: number, g: number, b: number, opacity: number): void {
    const n = mask.side;
    const ox = Math.round(x) - n / 2;
    const oy = Math.round(y) - n / 2;
    const cx0 = Math.max(0, ox);
    const cy0 = Math.max(0, oy);
    const cx1 = Math.min(this.width, ox + n);
    const cy1 = Math.min(this.height, oy + n);
    if (cx0 >= cx1 || cy0 >= cy1) return;
    if (cx0 < this.x0) this.x0 = cx0;
    if (cy0 < this.y0) this.y0 = cy0;
    if (cx1 > this.x1) this.x1 = cx1;
    if (cy1 > this.y1) this.y1 = cy1;
    const d = this.data;
    const alpha = mask.alpha;
    const w = this.width;
    for (let py = cy0; py < cy1; py++) {
      let m = (py - oy) * n + (cx0 - ox);
      let i = (py * w + cx0) * 4;
      for (let px = cx0; px < cx1; px++, m++, i += 4) {
        const cover = alpha[m];
        if (cover === 0) continue;
        const a = opacity === 1 ? cover : cover * opacity;
        const da = d[i + 3];
        if (a >= 255 || da === 0) {
          d[i] = r; d[i + 1] = g; d[i + 2] = b; d[i + 3] = a;
        } else {
          // Source over, unpremultiplied: out = (src·sa + dst·da·(1 − sa)) / outA.
          const sa = a / 255;
          const k = (da / 255) * (1 - sa);
          const oa = sa + k;
          d[i] = (r * sa + d[i] * k) / oa;
          d[i + 1] = (g * sa + d[i + 1] * k) / oa;
          d[i + 2] = (b * sa + d[i + 2] * k) / oa;
          d[i + 3] = oa * 255;
        }
      }
    }
  }

  /** The area `finish` found to put on the canvas (device px). */
  putX = 0; putY = 0; putWidth = 0; putHeight = 0;

  /**
   * Ends the frame: the area to put on the canvas is what this frame drew and what the last one did (now transparent),
   * in putX/putY/putWidth/putHeight; false when there is none.
   */
  finish(): boolean {
    const last = this.lastX1 > this.lastX0;
    const drew = this.x1 > this.x0;
    const x0 = Math.min(drew ? this.x0 : Infinity, last ? this.lastX0 : Infinity);
    const y0 = Math.min(drew ? this.y0 : Infinity, last ? this.lastY0 : Infinity);
    const x1 = Math.max(drew ? this.x1 : -Infinity, last ? this.lastX1 : -Infinity);
    const y1 = Math.max(drew ? this.y1 : -Infinity, last ? this.lastY1 : -Infinity);
    if (drew) {
      this.lastX0 = this.x0; this.lastY0 = this.y0; this.lastX1 = this.x1; this.lastY1 = this.y1;
    } else {
      this.x0 = this.y0 = this.x1 = this.y1 = 0;
      this.lastX0 = this.lastY0 = this.lastX1 = this.lastY1 = 0;
    }
    if (!(x1 > x0 && y1 > y0)) return false;
    this.putX = x0; this.putY = y0; this.putWidth = x1 - x0; this.putHeight = y1 - y0;
    return true;
  }

  private zero(x0: number, y0: number, x1: number, y1: number): void {
    if (!(x1 > x0 && y1 > y0)) return;
    const w = this.width;
    for (let y = y0; y < y1; y++) this.data.fill(0, (y * w + x0) * 4, (y * w + x1) * 4);
  }
}
