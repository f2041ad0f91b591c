/** Number formats of the serving projection: FLOPs over many orders of magnitude, and times from ns to hours. */

const FLOP_UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

/** FLOPs with an SI prefix: "3.52 TFLOP", "918 PFLOP". */
export function formatFlops(n: number): string {
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < FLOP_UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${Number(v.toPrecision(3))} ${FLOP_UNITS[u]}FLOP`;
}

/** Seconds as ns, µs, ms, s, min or h, 3 significant digits. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  const p = (v: number) => Number(v.toPrecision(3));
  if (s < 1e-6) return `${p(s * 1e9)} ns`;
  if (s < 1e-3) return `${p(s * 1e6)} µs`;
  if (s < 1) return `${p(s * 1e3)} ms`;
  if (s < 120) return `${p(s)} s`;
  if (s < 7200) return `${p(s / 60)} min`;
  return `${p(s / 3600)} h`;
}

/** Bytes in decimal units, as accelerator datasheets write memory: "80 GB", "512 kB". */
export function formatDecimalBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${Number(v.toPrecision(3))} ${units[u]}`;
}

/** A log axis label only at powers of ten (d3's log ticks fill every decade otherwise). */
export const decadeLabel = (format: (v: number) => string) => (v: number): string => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? format(v) : '');
