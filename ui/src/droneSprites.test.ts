import { describe, expect, it } from 'vitest';
import { ArrowMasks, arrowMask, headingBucket, HEADING_BUCKETS, PixelFrame, ringMask } from './droneSprites';

const coverage = (alpha: Uint8Array) => alpha.reduce((sum, a) => sum + a, 0) / 255;

describe('the drones as stamped masks', () => {
  it('should cover an arrow with its own area, whatever its direction', () => {
    // The arrow's area in units of half its box: two triangles, tip-wing-notch and tip-notch-wing, 0.7617 each.
    const area = 2 * 0.5 * 0.625 * (0.40625 + 0.8125);
    for (const angle of [0, 0.3, Math.PI / 2, 2.5]) {
      const mask = arrowMask(20, angle);
      expect(coverage(mask.alpha)).toBeCloseTo(area * 100, -0.5); // half = 10 px: area × 10²
    }
  });

  it('should point the arrow up at 0 and clockwise by its angle', () => {
    const up = arrowMask(20, 0);
    const n = up.side;
    const c = n / 2;
    // Half the box is 10 px: the tip 8.1 px above the centre, the notch from 4.1 px below it to the wings' 7.5.
    expect(up.alpha[(c - 5) * n + c]).toBe(255);
    expect(up.alpha[(c + 6) * n + c]).toBe(0);
    expect(up.alpha[(c - 10) * n + c]).toBe(0);
    const right = arrowMask(20, Math.PI / 2);
    expect(right.alpha[c * n + c + 4]).toBe(255);
    expect(right.alpha[c * n + c - 7]).toBe(0);
  });

  it('should make a ring opaque at its band and translucent inside', () => {
    const ring = ringMask(13, 2, 0.18);
    const n = ring.side;
    const c = n / 2;
    expect(ring.alpha[c * n + c]).toBe(Math.round(0.18 * 255));
    expect(ring.alpha[c * n + c + 12]).toBe(255);
    expect(ring.alpha[c * n + c + 14]).toBe(0);
  });

  it('should bucket directions round the circle', () => {
    expect(headingBucket(0)).toBe(0);
    expect(headingBucket(2 * Math.PI)).toBe(0);
    expect(headingBucket(-Math.PI / 2)).toBe((HEADING_BUCKETS * 3) / 4);
    expect(headingBucket(Math.PI)).toBe(HEADING_BUCKETS / 2);
  });

  it('should make a mask once per size and direction, and keep a few sizes', () => {
    const masks = new ArrowMasks();
    expect(masks.get(20, 3)).toBe(masks.get(20.1, 3)); // sizes to half a pixel
    expect(masks.get(20, 3)).not.toBe(masks.get(20.5, 3));
    const first = masks.get(10, 0);
    for (let size = 11; size < 30; size++) masks.get(size, 0);
    expect(masks.get(10, 0)).not.toBe(first); // dropped, made again
  });

  it('should blend a translucent stamp over what is there, source over', () => {
    const frame = new PixelFrame();
    frame.begin(10, 10, (w, h) => new Uint8ClampedArray(w * h * 4));
    const solid = { side: 2, alpha: new Uint8Array([255, 255, 255, 255]) };
    const half = { side: 2, alpha: new Uint8Array([128, 128, 128, 128]) };
    frame.stamp(solid, 5, 5, 0, 0, 255, 1);
    frame.stamp(half, 5, 5, 255, 0, 0, 1);
    const i = (4 * 10 + 4) * 4;
    expect(Array.from(frame.data.subarray(i, i + 4))).toEqual([128, 0, 127, 255]);
    frame.stamp(half, 1, 1, 255, 0, 0, 0.5); // on nothing: its own colour at its opacity
    expect(Array.from(frame.data.subarray(0, 4))).toEqual([255, 0, 0, 64]);
  });

  it('should clip a stamp at the frame edge and clear what it drew at the next frame', () => {
    const frame = new PixelFrame();
    const alloc = (w: number, h: number) => new Uint8ClampedArray(w * h * 4);
    frame.begin(10, 10, alloc);
    const mask = { side: 4, alpha: new Uint8Array(16).fill(255) };
    frame.stamp(mask, 0, 0, 1, 2, 3, 1);
    expect(frame.finish()).toBe(true);
    expect([frame.putX, frame.putY, frame.putWidth, frame.putHeight]).toEqual([0, 0, 2, 2]);
    frame.begin(10, 10, alloc);
    expect(frame.data.every((b) => b === 0)).toBe(true);
    frame.stamp(mask, 8, 8, 1, 2, 3, 1);
    expect(frame.finish()).toBe(true);
    // This frame's 6..9 and the last frame's 0..1, now cleared.
    expect([frame.putX, frame.putY, frame.putWidth, frame.putHeight]).toEqual([0, 0, 10, 10]);
    frame.begin(10, 10, alloc);
    expect(frame.finish()).toBe(true); // nothing drawn: the last frame's area is cleared once
    expect([frame.putX, frame.putY, frame.putWidth, frame.putHeight]).toEqual([6, 6, 4, 4]);
    frame.begin(10, 10, alloc);
    expect(frame.finish()).toBe(false);
  });
});
