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
