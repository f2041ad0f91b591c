/**
 * Model statistics and the memory budget: the numbers the page shows for a model at the current
 * T, and the check that refuses a model too big to analyse before anything large is made.
 *
 * Every number comes from the cost model (src/graph/cost.ts) on the graphs `compile` builds.
 * Building a graph draws no weights (they are drawn on first read), so this is cheap even for the
 * largest models.
 *
 * Peak memory of one analysis (workers/analyse.ts), with W the weight bytes, A the activation
 * bytes of the inspect graph and O its output bytes:
 *
 *   peak = 3·W + max(W, A + O)
 *
 * The weights are held three times for the whole analysis: the inspect and the fast ONNX files
 * (both are made before the first session loads) and the session's own copy. A fourth copy lives
 * for a moment: the weight arrays while the files are written, or onnxruntime's copy of the file
 * while it creates a session. While the inspect graph runs, its activations (an upper bound:
 * runtimes reuse buffers) and the outputs copied out to JavaScript come on top. The fast graph
 * runs later on fewer activations, so it does not set the peak.
 *
 * A latency sweep (workers/latency.ts) builds and runs only the fast graph, so its budget counts
 * that graph alone (sweepStats): with A_f and O_f the fast graph's activations and outputs,
 *
 *   peak = 2·W + max(W, A_f + O_f)
 *
 * (its ONNX file and the session's copy, plus a moment's extra copy or the run). The inspect
 * graph's T × T maps do not count there, so a linear-time mixer sweeps as far as its fast graph fits.
 */
import { graphCost, initializerBytes, outputBytes } from '../graph/cost';
import type { Cost } from '../graph/cost';
import { ERROR } from '../spec/errors';
import type { Graph } from '../graph/ir';
import { tensorBytes } from '../graph/ir';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';
import { formatBytes } from '../spec/units';
import { MEMORY_BUDGET_BYTES, SWEEP_MAX_T } from './budget';
import { compile } from './compile';

export { MEMORY_BUDGET_BYTES, SWEEP_MAX_T };

/** What a model costs at one sequence length, and whether an analysis of it fits the budget. */
export interface ModelStats {
  T: number;
  /** Trainable parameters (a tied weight counts once). */
  params: number;
  /** Bytes of all initialisers (weights and constant tables) of the fast graph. */
  weightBytes: number;
  /** FLOPs of one forward pass of the fast graph at T. */
  flops: number;
  /** Activation bytes of the inspect graph at T (the graph the views run). */
  activationBytes: number;
  /** Bytes of the inspect graph's outputs: maps, entropies, residual norms, logits. */
  inspectOutputBytes: number;
  /** Estimated peak memory of one analysis: 3·weightBytes + max(weightBytes, activationBytes + inspectOutputBytes). */
  peakBytes: number;
  budgetBytes: number;
  /** peakBytes > budgetBytes. */
  over: boolean;
  /** When over: what to reduce, biggest contributor first, with numbers. Empty otherwise. */
  advice: string[];
  /** How far a latency sweep of this model may go (set by modelStats, the statistics the page asks for). */
  sweep?: SweepLimit;
  /** Parameters and FLOPs of the fast graph per block (scope), in the order blocks are built; they add up to the totals. */
  blocks: { scope: string; params: number; flops: number }[];
}

/** An analysis refused because it would need more memory than the budget. */
export class BudgetError extends Error {
  constructor(readonly stats: ModelStats) {
    super(
      `This model needs about ${formatBytes(stats.peakBytes)} to analyse at T = ${stats.T}, over the ${formatBytes(stats.budgetBytes)} budget: ${stats.advice[0] ?? 'make it smaller'}.`,
    );
    this.name = ERROR.BudgetError;
  }
}

/**
 * The statistics of `spec` at sequence length T (and batch size `batch`: activations and outputs
 * grow with it, weights do not). Throws SpecError for a spec that does not compile.
 */
export function modelStats(spec: Spec, T: number, batch = 1): ModelStats {
  return { ...graphStats(spec, compile(spec, { T, mode: 'inspect', batch }), compile(spec, { T, mode: 'fast', batch })), sweep: sweepLimit(spec) };
}


/** How far a sweep may go: maxT, and why not further when maxLen is the limit. */
export interface SweepLimit {
  maxT: number;
  /** Null when the model takes any length up to SWEEP_MAX_T. */
  reason: string | null;
}

/**
 * Whether a model's lengths stop at maxLen, found from the graph itself: built at T = 1 with two
 * different maxLen, does a learned weight change shape? (Constant tables are computed for the T built.) Learned absolute positions keep a table of maxLen
 * rows, so they do; RoPE, ALiBi, NoPE, sinusoidal and T5 positions compute theirs for any T. A model
 * whose weights do not depend on maxLen is swept as if maxLen were the length (`sweepSpec`).
 */
export function sweepLimit(spec: Spec): SweepLimit {
  const shapes = (maxLen: number) =>
    compile({ ...spec, maxLen }, { T: 1, mode: 'fast' })
      .initializers.filter((i) => i.trainable)
      .map((i) => `${i.tensor.name}:${i.tensor.shape.join('x')}`)
      .sort()
      .join(' ');
  const other = spec.maxLen === SWEEP_MAX_T ? spec.maxLen - 1 : spec.maxLen + 1;
  let same: boolean;
  try {
    same = shapes(spec.maxLen) === shapes(other);
  } catch {
    same = false; // a block that refuses another maxLen depends on it
  }
  if (same) return { maxT: SWEEP_MAX_T, reason: null };
  const holder = compile(spec, { T: 1, mode: 'fast' }).initializers.find((i) => i.trainable && i.tensor.shape.includes(spec.maxLen))?.tensor.name;
  return { maxT: spec.maxLen, reason: `its weights${holder ? ` (${holder})` : ''} hold one row per position up to maxLen (${spec.maxLen})` };
}

/** The spec a sweep compiles at T: maxLen raised to T when the weights do not depend on it (see sweepLimit). */
export const sweepSpec = (spec: Spec, T: number, limit: SweepLimit): Spec => (T > spec.maxLen && limit.reason === null ? { ...spec, maxLen: T } : spec);

/** What a sweep needs at one length: the fast graph's budget (see the top of this file). */
export interface SweepStats {
  T: number;
  peakBytes: number;
  budgetBytes: number;
  over: boolean;
}

/** The memory a sweep needs to time the fast graph `fast` (built at T): 2·W + max(W, A_f + O_f). */
export function sweepStats(fast: Graph): SweepStats {
  const T = fast.inputs[0]!.shape[1]!;
  const W = initializerBytes(fast);
  const peakBytes = 2 * W + Math.max(W, graphCost(fast).total.activationBytes + outputBytes(fast));
  return { T, peakBytes, budgetBytes: MEMORY_BUDGET_BYTES, over: peakBytes > MEMORY_BUDGET_BYTES };
}

/** The statistics of `spec` from its inspect and fast graphs, already built at one T. */
export function graphStats(spec: Spec, inspect: Graph, fast: Graph): ModelStats {
  const T = inspect.inputs[0]!.shape[1]!;
  const fastCost = graphCost(fast);
  const inspectCost = graphCost(inspect);
  const weightBytes = initializerBytes(fast);
  const activationBytes = inspectCost.total.activationBytes;
  const inspectOutputBytes = outputBytes(inspect);
  const peakBytes = 3 * weightBytes + Math.max(weightBytes, activationBytes + inspectOutputBytes);
  const stats: ModelStats = {
    T,
    params: fastCost.total.params,
    weightBytes,
    flops: fastCost.total.flops,
    activationBytes,
    inspectOutputBytes,
    peakBytes,
    budgetBytes: MEMORY_BUDGET_BYTES,
    over: peakBytes > MEMORY_BUDGET_BYTES,
    advice: [],
    blocks: fastCost.byScope.map(({ scope, cost }) => ({ scope, params: cost.params, flops: cost.flops })),
  };
  if (stats.over) stats.advice = advice(stats, layerSchedule(spec).length, spec.nHeads, inspect, inspectCost.byScope);
  return stats;
}

/**
 * What to reduce, biggest first. The peak is split into the parts of the moment that sets it:
 * the weights alone while a session loads, or else the weights, the mixers (their maps included),
 * the feed-forward blocks and the rest while the inspect graph runs. Parts under 5% are left out.
 */
function advice(stats: ModelStats, runs: number, heads: number, inspect: Graph, byScope: { scope: string; cost: Cost }[]): string[] {
  const { T, weightBytes: W } = stats;
  const slotOf = (scope: string) => (scope.includes('mixer: ') ? 'mixer' : scope.includes('ffn: ') ? 'ffn' : 'rest');
  const bytes = { mixer: 0, ffn: 0, rest: 0 };
  for (const { scope, cost } of byScope) bytes[slotOf(scope)] += cost.activationBytes;
  // The maps and their entropies are the mixers' outputs; the logits and residual norms the rest's.
  for (const t of inspect.outputs) bytes[/^attn_(probs|entropy)\./.test(t.name) ? 'mixer' : 'rest'] += tensorBytes(t);
  const weights = (copies: number) => ({
    bytes: copies * W,
    why: `the weights (${stats.params.toLocaleString('en')} parameters, ${formatBytes(W)}), held ${copies} times,`,
    fix: 'use a smaller d_model, fewer layers or a smaller feed-forward block',
  });
  const parts =
    W >= stats.activationBytes + stats.inspectOutputBytes
      ? [weights(4)]
      : [
          weights(3),
          { bytes: bytes.mixer, why: `the attention maps and mixers of ${runs} layer runs × ${heads} heads at T = ${T}`, fix: 'shorten the text, or use fewer layers, loops or heads' },
          { bytes: bytes.ffn, why: `the feed-forward blocks of ${runs} layer runs at T = ${T}`, fix: 'shorten the text, or use fewer layers or a smaller expansion' },
          { bytes: bytes.rest, why: `the residual stream, norms and logits at T = ${T}`, fix: 'shorten the text or use a smaller d_model' },
        ];
  return parts
    .sort((a, b) => b.bytes - a.bytes)
    .filter((p, i) => i === 0 || p.bytes >= 0.05 * stats.peakBytes)
    .map((p) => `${p.why} take ${formatBytes(p.bytes)}: ${p.fix}`);
}
