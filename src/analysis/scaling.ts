/**
 * How latency scales with the sequence length: the exponent k of latency ∝ T^k (or ∝ (T·log T)^k,
 * for the mixers whose fast path is O(T log T)), fitted by least squares on log-log (and, from each point's runs, with its interval), the lengths a sweep
 * measures, and the O(T) / O(T²) guide lines drawn through a measured point. Pure numbers, shared
 * by the page, the worker and `npm run bench`.
 */
import { spreadOf } from './spread';

/** One measured length: T and its latency in ms. */
export interface ScalingPoint {
  T: number;
  ms: number;
}

/** What latency is fitted against: T itself, or T·log T (an O(T log T) path has exponent 1 against it). */
export type Growth = 'T' | 'TlogT';

/** The size the exponent is measured against: T, or T·log₂ T (the base of the log only shifts log-log by a constant, not the slope). */
export const sizeOf = (T: number, against: Growth): number => (against === 'T' ? T : T * Math.log2(T));

/**
 * Slope of log(ms) against log(T) (or log(T·log T)) by least squares; null with fewer than 2
 * distinct lengths or a non-positive value (against T·log T, T must exceed 1).
 */
export function fitExponent(points: readonly ScalingPoint[], against: Growth = 'T'): number | null {
  if (points.length < 2 || points.some((p) => !(p.T > (against === 'T' ? 0 : 1)) || !(p.ms > 0))) return null;
  const xs = points.map((p) => Math.log(sizeOf(p.T, against)));
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

/** One measured length with the wall times of its runs in ms. */
export interface MeasuredPoint {
  T: number;
  samplesMs: readonly number[];
}

/** The exponent with its interval, and the lengths it was fitted on. */
export interface ExponentFit {
  exponent: number;
  /** The interval's ends: exponent ∓ multiplier · se (about 95%). */
  lo: number;
  hi: number;
  /** Standard error of the exponent. */
  se: number;
  /** The lengths fitted (the upper half by T, at least 2). */
  used: number[];
}

/** Smallest error given to ln(median) of a point (1%): runs that agree to the microsecond still carry the timer's and the machine's jitter. */
export const MIN_LOG_SIGMA = 0.01;

/**
 * Standard error of ln(median) of a point's runs: the interquartile range of ln(runs) / 1.349 (the σ
 * of a normal with that IQR), times √(π/2) / √n (the median's error against the mean's), at least
 * MIN_LOG_SIGMA.
 */
export function logMedianSigma(samplesMs: readonly number[]): number {
  const s = spreadOf(samplesMs);
  if (!s || !(s.q1 > 0)) return Infinity;
  const sigma = (Math.log(s.q3) - Math.log(s.q1)) / 1.349;
  return Math.max(MIN_LOG_SIGMA, (sigma * Math.sqrt(Math.PI / 2)) / Math.sqrt(s.n));
}

/** Two-sided 95% quantiles of Student's t for 1 to 10 degrees of freedom; 1.96 beyond. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228];
export const t95 = (df: number): number => (df >= 1 && df <= T95.length ? T95[Math.floor(df) - 1]! : 1.96);

/**
 * The exponent k of median latency ∝ T^k with its interval, by weighted least squares on log-log
 * over the upper half of the points (as upperHalfExponent). Each point weighs 1/σ² with σ its
 * logMedianSigma. Its standard error is √(1 / Σ w (x − x̄)²). When the points scatter about the
 * line more than their runs say (χ² per degree of freedom above 1, possible from 3 points) that
 * error is scaled by √(χ²/df) and the interval uses Student's t; else it is ±1.96 se. Null with
 * fewer than 2 distinct lengths.
 */
export function exponentWithInterval(points: readonly MeasuredPoint[]): ExponentFit | null {
  const rows = points
    .map((p) => ({ T: p.T, s: spreadOf(p.samplesMs), sigma: logMedianSigma(p.samplesMs) }))
    .filter((r) => r.T > 0 && r.s !== null && r.s.median > 0 && Number.isFinite(r.sigma))
    .sort((a, b) => a.T - b.T);
  const used = rows.slice(rows.length - Math.max(2, Math.ceil(rows.length / 2)));
  if (used.length < 2) return null;
  const x = used.map((r) => Math.log(r.T));
  const y = used.map((r) => Math.log(r.s!.median));
  const w = used.map((r) => 1 / r.sigma ** 2);
  const W = w.reduce((a, b) => a + b, 0);
  const mx = w.reduce((a, wi, i) => a + wi * x[i]!, 0) / W;
  const my = w.reduce((a, wi, i) => a + wi * y[i]!, 0) / W;
  const sxx = w.reduce((a, wi, i) => a + wi * (x[i]! - mx) ** 2, 0);
  if (!(sxx > 0)) return null;
  const k = w.reduce((a, wi, i) => a + wi * (x[i]! - mx) * (y[i]! - my), 0) / sxx;
  let se = Math.sqrt(1 / sxx);
  let mult = 1.96;
  const df = used.length - 2;
  if (df > 0) {
    const chi2 = w.reduce((a, wi, i) => a + wi * (y[i]! - my - k * (x[i]! - mx)) ** 2, 0) / df;
    if (chi2 > 1) {
      se *= Math.sqrt(chi2);
      mult = t95(df);
    }
  }
  return { exponent: k, lo: k - mult * se, hi: k + mult * se, se, used: used.map((r) => r.T) };
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
