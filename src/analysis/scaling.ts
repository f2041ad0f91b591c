/**
 * How latency scales with the sequence length: the exponent k of latency ∝ T^k, fitted by least
 * squares on log-log, the lengths a sweep measures, and the O(T) / O(T²) guide lines drawn
 * through a measured point. Pure numbers, shared by the page, the worker and `npm run bench`.
 */

/** One measured length: T and its latency in ms. */
export interface ScalingPoint {
  T: number;
  ms: number;
}

/** Slope of log(ms) against log(T) by least squares; null with fewer than 2 distinct lengths or a non-positive value. */
export function fitExponent(points: readonly ScalingPoint[]): number | null {
  if (points.length < 2 || points.some((p) => !(p.T > 0) || !(p.ms > 0))) return null;
  const xs = points.map((p) => Math.log(p.T));
  const ys = points.map((p) => Math.log(p.ms));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const sxy = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
  const sxx = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return sxx > 0 ? sxy / sxx : null;
}

/**
 * The exponent fitted over the upper half of the points by T (at least 2 of them): small lengths
 * carry the fixed cost of a run (feeding inputs, reading outputs, dispatch), which flattens the
 * curve and would pull the exponent down. Returns the exponent and the points it used.
 */
export function upperHalfExponent(points: readonly ScalingPoint[]): { exponent: number | null; used: ScalingPoint[] } {
  const sorted = [...points].filter((p) => p.ms > 0).sort((a, b) => a.T - b.T);
  const used = sorted.slice(sorted.length - Math.max(2, Math.ceil(sorted.length / 2)));
  return { exponent: fitExponent(used), used };
}

/** Powers of 2 from `from` up to `maxT`; just [maxT] when that is shorter than `from`. */
export function sweepLengths(maxT: number, from = 16): number[] {
  if (!(maxT >= 1)) return [];
  if (maxT < from) return [Math.floor(maxT)];
  const out: number[] = [];
  for (let T = from; T <= maxT; T *= 2) out.push(T);
  return out;
}

/** The curve ms = first.ms · (T / first.T)^k at each of `lengths`: a guide line of slope k through `first` on log-log. */
export function guideLine(first: ScalingPoint, k: number, lengths: readonly number[]): ScalingPoint[] {
  return lengths.map((T) => ({ T, ms: first.ms * (T / first.T) ** k }));
}
