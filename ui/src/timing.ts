// Timing helpers: reconnection back-off and debouncing. Pure, unit-tested.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Each delay is scaled by a random factor in [1 - jitter, 1 + jitter], then capped. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 15_000, jitter: 0.2 };

/** Capped exponential back-off: the delay before reconnection attempt `attempt` (1, 2, 3...). */
export function reconnectDelayMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  const factor = 1 + policy.jitter * (2 * random() - 1);
  return Math.round(Math.min(policy.maxMs, base * factor));
}

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Runs a pending call now. */
  flush(): void;
  cancel(): void;
}

/** Calls `fn` once calls have stopped for `waitMs`, with the last call's arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const run = () => {
    timer = null;
    const args = pending;
    pending = null;
    if (args) fn(...args);
  };
  const debounced = ((...args: A) => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, waitMs);
  }) as Debounced<A>;
  debounced.flush = () => {
    if (timer !== null) clearTimeout(timer);
    run();
  };
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return debounced;
}

/**
 * Lets a refresh through at most once per `intervalMs`, or at once when what it depends on (`key`, compared by
 * identity) changed: for what the map redraws from the UI's tick (order targets), so a repaint of the map and a
 * GeoJSON re-tiling happen at a low fixed rate, not at every tick.
 */
export class RefreshGate {
  private lastAt = -Infinity;
  private lastKey: unknown = undefined;

  constructor(private readonly intervalMs: number) {}

  due(nowMs: number, key?: unknown): boolean {
    if (key === this.lastKey && nowMs - this.lastAt < this.intervalMs) return false;
    this.lastKey = key;
    this.lastAt = nowMs;
    return true;
  }
}

/** FramePacer's cost is the median of this many recent frames. */
const PACER_WINDOW = 5;

/**
 * Keeps frames that the page draws on its own initiative (new data, moving drones) to a share of the main thread,
 * whatever a frame costs on this machine. A WebGL frame costs the main thread more than its own JavaScript: in
 * software compositing the commit reads the canvas back and waits for the GPU process (SwiftShader) to finish drawing
 * it, and on a machine whose cores are taken by other work that wait lasts far longer than the drawing. A page that
 * drew every other animation frame regardless was then never idle: clicks, panels and every other task queued behind
 * frames. Each frame's cost (from its animation frame to the first task after its commit) is fed in; the next data
 * frame may come once the time since the last one is at least the recent cost divided by the share.
 */
export class FramePacer {
  private costMs = 0;
  /** The last PACER_WINDOW frames' costs (a ring), how many are held, where the next goes; a scratch copy to sort. */
  private readonly recent = new Float64Array(PACER_WINDOW);
  private readonly sorted = new Float64Array(PACER_WINDOW);
  private held = 0;
  private next = 0;

  /**
   * @param minIntervalMs data frames never come more often than this (a cheap frame on a fast machine)
   * @param share the part of the main thread's time data frames may take (0.25: a frame costing 100 ms is followed by
   *              at least 300 ms without one)
   * @param maxIntervalMs and never less often than this, however slow (the fleet stays visibly live)
   */
  constructor(readonly minIntervalMs: number, readonly share: number, readonly maxIntervalMs: number) {}

  /**
   * One frame's cost in ms. The recent cost is the (lower) median of the last PACER_WINDOW frames: one frame
   * preempted by another process (a spike of 300 ms among frames of 30 on a shared two-core machine) changes nothing,
   * where taking the highest at once held data frames back for that frame's cost / share and then for several more
   * while it decayed; a cost that lasts (3 frames of 5) is followed within 3 frames, up or down.
   */
  record(costMs: number): void {
    if (!Number.isFinite(costMs) || costMs < 0) return;
    this.recent[this.next] = costMs;
    this.next = (this.next + 1) % PACER_WINDOW;
    if (this.held < PACER_WINDOW) this.held++;
    // Insertion sort of at most PACER_WINDOW values into the scratch array: nothing allocated per frame.
    const sorted = this.sorted;
    for (let i = 0; i < this.held; i++) {
      const v = this.recent[i];
      let j = i;
      while (j > 0 && sorted[j - 1] > v) {
        sorted[j] = sorted[j - 1];
        j--;
      }
      sorted[j] = v;
    }
    this.costMs = sorted[(this.held - 1) >> 1];
  }

  /** The recent cost of a frame, ms. */
  get frameCostMs(): number {
    return this.costMs;
  }

  /** How long after the last data frame the next may come. */
  get intervalMs(): number {
    return Math.min(this.maxIntervalMs, Math.max(this.minIntervalMs, this.costMs / this.share));
  }

  /** May a data frame be drawn at `nowMs`, the last having been drawn at `lastMs`? */
  due(nowMs: number, lastMs: number): boolean {
    return nowMs - lastMs >= this.intervalMs;
  }
}
