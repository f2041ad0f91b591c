/**
 * Where two latency curves cross: the context length at which model A's time per token (or per
 * forward pass) becomes larger or smaller than model B's. Measured: between two lengths where the
 * sign of ln a − ln b changes, the crossing is interpolated linearly on log-log (each curve a power
 * law between its points). Extrapolated: when the measured range holds none, the two fitted power
 * laws ms = c · L^k (each through its upper-half fit, src/analysis/scaling.ts) meet at
 * L* = (c_B / c_A)^(1 / (k_A − k_B)), reported only when it lies ahead of the range and the
 * exponents differ by more than their intervals allow.
 */
import { exponentWithInterval, type MeasuredPoint } from './scaling';
import { median } from './spread';

/** A measured point: length L and median ms. */
export interface CurvePoint {
  T: number;
  ms: number;
}

export interface Crossing {
  /** The length where the curves meet. */
  T: number;
  /** The time there (ms) on either curve. */
  ms: number;
  /** Which curve is faster at lengths above T. */
  fasterAfter: 'a' | 'b';
  /** 'measured': between two measured lengths; 'extrapolated': from the fitted power laws beyond them. */
  how: 'measured' | 'extrapolated';
}

/** Every measured crossing of `a` and `b` (points at the lengths both have), in order of L. */
export function crossings(a: readonly CurvePoint[], b: readonly CurvePoint[]): Crossing[] {
  const bAt = new Map(b.filter((p) => p.ms > 0).map((p) => [p.T, p.ms]));
  const common = a.filter((p) => p.ms > 0 && bAt.has(p.T)).sort((x, y) => x.T - y.T);
  const out: Crossing[] = [];
  for (let i = 1; i < common.length; i++) {
    const [p, q] = [common[i - 1]!, common[i]!];
    const d0 = Math.log(p.ms) - Math.log(bAt.get(p.T)!);
    const d1 = Math.log(q.ms) - Math.log(bAt.get(q.T)!);
    if (d0 === 0 || d0 * d1 >= 0) continue; // no change of sign (a tie exactly at a point is no crossing of it)
    const f = d0 / (d0 - d1);
    const lnT = Math.log(p.T) + f * (Math.log(q.T) - Math.log(p.T));
    const lnMs = Math.log(p.ms) + f * (Math.log(q.ms) - Math.log(p.ms));
    out.push({ T: Math.exp(lnT), ms: Math.exp(lnMs), fasterAfter: d1 < 0 ? 'a' : 'b', how: 'measured' });
  }
  return out;
}

/**
 * The crossing of the two fitted power laws beyond the measured lengths, or null (no fit, exponents
 * whose intervals overlap, or a meeting point not beyond the longest length measured).
 */
export function extrapolatedCrossing(a: readonly MeasuredPoint[], b: readonly MeasuredPoint[]): Crossing | null {
  const [fa, fb] = [exponentWithInterval(a), exponentWithInterval(b)];
  if (!fa || !fb || (fa.lo <= fb.hi && fb.lo <= fa.hi)) return null;
  const anchor = (pts: readonly MeasuredPoint[], used: number[]) => {
    // ln c = mean over the fitted points of ln(median) − k ln L: the line through their centre.
    const rows = pts.filter((p) => used.includes(p.T));
    return (k: number) => rows.reduce((s, p) => s + Math.log(median(p.samplesMs)) - k * Math.log(p.T), 0) / rows.length;
  };
  const lnCa = anchor(a, fa.used)(fa.exponent);
  const lnCb = anchor(b, fb.used)(fb.exponent);
  const lnT = (lnCb - lnCa) / (fa.exponent - fb.exponent);
  const longest = Math.max(...a.map((p) => p.T), ...b.map((p) => p.T));
  if (!Number.isFinite(lnT) || Math.exp(lnT) <= longest) return null;
  return { T: Math.exp(lnT), ms: Math.exp(lnCa + fa.exponent * lnT), fasterAfter: fa.exponent < fb.exponent ? 'a' : 'b', how: 'extrapolated' };
}
