/**
 * The numbers behind the training charts, apart from drawing: thinning long curves to what a pixel
 * column can show, log-scale extents, each head's mean entropy per snapshot, and the gradient
 * norm groups as series. Pure functions (no DOM), unit-tested in test/ui/train/curves.test.ts.
 */
import type { StepReport, TrainSnapshot } from '../../state/training';

/**
 * Which points of a curve to draw when it has more than a few per pixel column: in each of
 * `buckets` equal slices of [x0, x1], the first, the lowest, the highest and the last point, in
 * order. A line through them has the same ink as the full curve (every spike and dip is kept),
 * with at most 4 points a column however long the run. Points whose y is not finite are skipped
 * (a log axis cannot draw them). Short curves come back whole.
 */
export function thinIndices(xs: ArrayLike<number>, ys: ArrayLike<number>, x0: number, x1: number, buckets: number): number[] {
  const n = Math.min(xs.length, ys.length);
  const finite: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(ys[i]!)) finite.push(i);
  const columns = Math.max(1, Math.floor(buckets));
  if (finite.length <= 4 * columns) return finite;
  const span = x1 - x0 || 1;
  const out: number[] = [];
  let bucket = -1;
  let first = -1;
  let low = -1;
  let high = -1;
  let last = -1;
  const flush = () => {
    if (first < 0) return;
    for (const i of [...new Set([first, low, high, last])].sort((a, b) => a - b)) out.push(i);
  };
  for (const i of finite) {
    const b = Math.min(columns - 1, Math.max(0, Math.floor(((xs[i]! - x0) / span) * columns)));
    if (b !== bucket) {
      flush();
      bucket = b;
      first = low = high = last = i;
      continue;
    }
    if (ys[i]! < ys[low]!) low = i;
    if (ys[i]! > ys[high]!) high = i;
    last = i;
  }
  flush();
  return out;
}

/** The whole decades around the positive finite values: [10^⌊log10 min⌋, 10^⌈log10 max⌉] (a decade at least); [0.1, 10] when none. */
export function logExtent(values: Iterable<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo > hi) return [0.1, 10];
  const a = 10 ** Math.floor(Math.log10(lo));
  let b = 10 ** Math.ceil(Math.log10(hi));
  if (b <= a) b = a * 10;
  return [a, b];
}

/** Each head's mean over query positions of a layer's entropy [H, T] (in nats; non-finite rows left out, NaN when none is finite). */
export function headMeans(entropy: ArrayLike<number>, H: number, T: number): number[] {
  return Array.from({ length: H }, (_, h) => {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < T; i++) {
      const v = entropy[h * T + i]!;
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    return n ? sum / n : NaN;
  });
}

/** Entropy per head against step for layer run `layer`: the snapshots' steps and, per head, its mean entropy at each. */
export function headEntropySeries(snapshots: readonly TrainSnapshot[], layer: number): { steps: number[]; heads: number[][] } {
  const shown = snapshots.filter((s) => s.entropy[layer]);
  const H = shown[0]?.nHeads ?? 0;
  const heads = Array.from({ length: H }, () => [] as number[]);
  for (const s of shown) headMeans(s.entropy[layer]!, s.nHeads, s.T).forEach((m, h) => heads[h]?.push(m));
  return { steps: shown.map((s) => s.step), heads };
}

/** The gradient norm of each group (embedding, each layer, final norm) against step, one array per group. */
export function gradSeries(reports: readonly StepReport[], groups: number): number[][] {
  return Array.from({ length: groups }, (_, g) => reports.map((r) => r.layerGradNorms[g] ?? NaN));
}

/** The mean of uniform attention's entropy over a causal row set of length T: mean of log(i + 1), i < T (nats). */
export function causalUniformMean(T: number): number {
  let sum = 0;
  for (let i = 1; i <= T; i++) sum += Math.log(i);
  return T > 0 ? sum / T : 0;
}
