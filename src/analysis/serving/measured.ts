/**
 * "This browser" as a profile, MEASURED rather than specified: its effective FLOP/s is the fast
 * graph's FLOPs at the measured length over the measured time (src/state/latency.ts's fast
 * figure), and its effective bandwidth the bytes a decode step reads (weights and state) over a
 * measured decode step, when one has been measured. These are what this page achieved, not peaks:
 * small graphs in onnxruntime-web spend much of their time outside arithmetic, so they are far
 * below the machine's peak, and they hold for sizes near those measured.
 *
 * The check: calibrated on one measurement, the compute term predicts the others of a latency
 * sweep (time ∝ FLOPs at the effective rate); projected against measured is shown point by point.
 */
import type { AcceleratorProfile } from './profiles';

/** One measured time of a graph whose cost is known. */
export interface Timed {
  T: number;
  ms: number;
  /** FLOPs (prefill) or bytes read (decode) of the graph timed. */
  amount: number;
}

export interface BrowserProfile extends AcceleratorProfile {
  measured: true;
  /** What each figure was measured on. */
  flopsFrom: Timed;
  bandwidthFrom: Timed | null;
}

/**
 * The browser's profile from a prefill measurement and, optionally, a decode one. Memory is the
 * page's own memory budget; without a decode measurement the bandwidth is unknown (Infinity: the
 * memory term of the bound is then 0, and the page says so).
 */
export function browserProfile(prefill: Timed, decode: Timed | null, provider: string, memoryBudgetBytes: number): BrowserProfile {
  return {
    id: 'browser',
    name: `this browser (${provider}, measured)`,
    memoryBytes: memoryBudgetBytes,
    bandwidth: decode ? decode.amount / (decode.ms / 1000) : Infinity,
    peakFlops: prefill.amount / (prefill.ms / 1000),
    precision: 'fp32, effective (measured)',
    source: `measured here: fast graph at T = ${prefill.T}${decode ? `, decode step at context ${decode.T}` : ''}`,
    measured: true,
    flopsFrom: prefill,
    bandwidthFrom: decode,
  };
}

/** Projected against measured at one length. */
export interface CheckRow {
  T: number;
  projectedMs: number;
  measuredMs: number;
  /** measured / projected. */
  ratio: number;
}

/** Each measurement projected at the rate `perSecond` (FLOP/s or bytes/s) calibrated elsewhere. */
export function checkRows(points: readonly Timed[], perSecond: number): CheckRow[] {
  return points.map((p) => {
    const projectedMs = (p.amount / perSecond) * 1000;
    return { T: p.T, projectedMs, measuredMs: p.ms, ratio: p.ms / projectedMs };
  });
}
