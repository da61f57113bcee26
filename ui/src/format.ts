// Display formatting shared by the header, table and detail panel.
export const fmt = {
  coord: (v: number) => (Number.isFinite(v) ? v.toFixed(5) : '–'),
  metres: (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} m` : '–'),
  speed: (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} m/s` : '–'),
  heading: (v: number) => (Number.isFinite(v) ? `${Math.round(v) % 360}°` : '–'),
  battery: (v: number) => (Number.isFinite(v) ? `${Math.round(v)} %` : '–'),
  ms: (v: number) => {
    if (!Number.isFinite(v)) return '–';
    if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(0)} s`;
    if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(1)} s`;
    return `${Math.abs(v) < 10 ? v.toFixed(1) : v.toFixed(0)} ms`;
  },
  /**
   * A telemetry age (now minus the drone's send time). A drone whose clock runs ahead of this browser's gives a
   * negative age: beyond 100 ms (more than clocks kept by NTP differ) it is shown as "… ahead", which says the clock
   * is wrong, rather than a minus sign that reads as a glitch; within it, as 0.
   */
  age: (v: number) => (v < -100 ? `${fmt.ms(-v)} ahead` : fmt.ms(Math.max(0, v))),
  rate: (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0)),
  status: (s: string) => s.replace(/_/g, ' ').toLowerCase(),
  count: (v: number) => v.toLocaleString('en-US'),
  /** A number with fixed decimals, or a dash for null / non-finite (the gateway sends null for such values). */
  num: (v: number | null | undefined, digits = 0) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–'),
  /** Local wall-clock time to the millisecond (a command's transitions are milliseconds apart). */
  clock: (epochMs: number) => {
    if (!Number.isFinite(epochMs)) return '–';
    const d = new Date(epochMs);
    const two = (v: number) => String(v).padStart(2, '0');
    return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  },
  /** How long ago, coarsely: "12 s", "5 min", "3 h". */
  ago: (ms: number) => {
    if (!Number.isFinite(ms)) return '–';
    const v = Math.max(0, ms);
    if (v < 60_000) return `${Math.round(v / 1000)} s`;
    if (v < 3_600_000) return `${Math.round(v / 60_000)} min`;
    return `${Math.round(v / 3_600_000)} h`;
  },
};
