/**
 * The spread of repeated timings, and what it allows one to say: the quartiles and extremes of a
 * set of warm runs, whether the spread is wide enough to take more runs, and the ratio of two
 * latencies with its interval ("within noise" when the interval holds 1). Pure numbers, shared by
 * the worker (how many runs to take) and the page (what to print).
 */

/** Quartiles and extremes of the runs of one measurement, in ms. */
export interface Spread {
  /** Runs. */
  n: number;
  median: number;
  /** First and third quartiles: the middle half of the runs lies between them. */
  q1: number;
  q3: number;
  min: number;
  max: number;
}

/** The p-quantile of ascending `sorted` by linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The median of `samples` in any order (the mean of the middle two when their number is even); NaN when there are none. */
export const median = (samples: readonly number[]): number => quantile([...samples].sort((a, b) => a - b), 0.5);

/** The spread of `samples` (finite values only); null when there is none. */
export function spreadOf(samples: readonly number[]): Spread | null {
  const s = samples.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (s.length === 0) return null;
  return { n: s.length, median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), min: s[0]!, max: s[s.length - 1]! };
}

/** The interquartile range as a share of the median: 0.1 means the middle half of the runs spans 10% of it. */
export const relativeIqr = (s: Spread): number => (s.median > 0 ? (s.q3 - s.q1) / s.median : Infinity);

/** Above this relative interquartile range a measurement takes more runs (while it may). */
export const WIDE_SPREAD = 0.1;

/** How far a measurement may go in runs and time. */
export interface RunLimits {
  /** Most runs in all. */
  maxRuns: number;
  /** No more runs once the runs taken add up to this many ms. */
  maxTotalMs: number;
  /** Relative interquartile range above which the spread is wide (WIDE_SPREAD unless given). */
  wide?: number;
}

/**
 * How many more runs to take after `samples`: none when the spread is narrow (relative IQR at most
 * `wide`) or a limit is reached; else as many again as there are (the quartiles of twice the runs
 * are about √2 steadier), within `maxRuns` and the time left in `maxTotalMs` at the median's pace.
 */
export function moreRuns(samples: readonly number[], limits: RunLimits): number {
  const s = spreadOf(samples);
  if (!s) return 0;
  const spent = samples.reduce((a, b) => a + b, 0);
  if (relativeIqr(s) <= (limits.wide ?? WIDE_SPREAD) || s.n >= limits.maxRuns || spent >= limits.maxTotalMs) return 0;
  const affordable = s.median > 0 ? Math.floor((limits.maxTotalMs - spent) / s.median) : s.n;
  return Math.max(0, Math.min(s.n, limits.maxRuns - s.n, Math.max(1, affordable)));
}

/** The ratio of two latencies, B / A, with its interval. */
export interface RatioInterval {
  /** median(B) / median(A). */
  ratio: number;
  /** q1(B) / q3(A) and q3(B) / q1(A): the ratio when each side moves within the middle half of its runs. */
  lo: number;
  hi: number;
  /** The interval holds 1: the runs do not tell A and B apart. */
  withinNoise: boolean;
}

/** B / A from the runs of each, with the quartile interval; null when either side has no runs or a non-positive quartile. */
export function ratioInterval(a: readonly number[], b: readonly number[]): RatioInterval | null {
  const sa = spreadOf(a);
  const sb = spreadOf(b);
  if (!sa || !sb || !(sa.q1 > 0) || !(sb.q1 > 0)) return null;
  const lo = sb.q1 / sa.q3;
  const hi = sb.q3 / sa.q1;
  return { ratio: sb.median / sa.median, lo, hi, withinNoise: lo <= 1 && 1 <= hi };
}
