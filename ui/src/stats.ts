// Live statistics: percentiles of recent telemetry ages and event rates. Pure, unit-tested.

/** Nearest-rank percentile (p in 0..100) of an ascending array; NaN when empty. */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * n);
  return sortedAscending[Math.min(n - 1, Math.max(0, rank - 1))];
}

/** Ring buffer of the most recent samples (e.g. telemetry ages in ms) with their times, for live percentiles. */
export class SampleWindow {
  private readonly values: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity = 8192) {
    this.values = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
  }

  add(value: number, atMs = 0): void {
    if (!Number.isFinite(value)) return;
    this.values[this.next] = value;
    this.times[this.next] = atMs;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Percentiles of the samples held, or only of those added at or after `sinceMs`. */
  percentiles(ps: readonly number[], sinceMs = -Infinity): number[] {
    let selected: Float64Array;
    if (sinceMs === -Infinity) {
      selected = this.values.slice(0, this.count);
    } else {
      selected = new Float64Array(this.count);
      let n = 0;
      for (let i = 0; i < this.count; i++) if (this.times[i] >= sinceMs) selected[n++] = this.values[i];
      selected = selected.subarray(0, n);
    }
    selected.sort();
    return ps.map((p) => percentile(selected, p));
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
  }
}

/** Events per second over a sliding window of one-second buckets. */
export class RateMeter {
  private readonly buckets: Float64Array;
  private readonly stamps: Float64Array;

  constructor(private readonly windowSeconds = 2) {
    this.buckets = new Float64Array(windowSeconds + 1);
    this.stamps = new Float64Array(windowSeconds + 1).fill(-1);
  }

  add(count: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const i = second % this.buckets.length;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.buckets[i] = 0;
    }
    this.buckets[i] += count;
  }

  /** Average rate over the last complete seconds (the current, partial second is left out). */
  rate(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let s = second - this.windowSeconds; s < second; s++) {
      const i = ((s % this.buckets.length) + this.buckets.length) % this.buckets.length;
      if (this.stamps[i] === s) sum += this.buckets[i];
    }
    return sum / this.windowSeconds;
  }
}
