export const fmt = {
  coord: (v: number) => v.toFixed(5),
  metres: (v: number) => `${v.toFixed(1)} m`,
  speed: (v: number) => `${v.toFixed(1)} m/s`,
  heading: (v: number) => `${v.toFixed(0)}°`,
  battery: (v: number) => `${v.toFixed(0)} %`,
  ms: (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms` : '–'),
  status: (s: string) => s.replace('_', ' ').toLowerCase(),
};
