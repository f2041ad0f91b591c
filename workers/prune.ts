/**
 * Token pruning and merging for encoders, run in the worker (and in Node tests): the full model
 * and the reduced one on the same text, and what the reduction changed (src/analysis/prune/).
 *
 *   1. The full run: the inspect graph compiled with the reduction at keep = T and R = I, which is
 *      the full model exactly (test/compiler/reduce.test.ts). It gives the full logits and final
 *      hidden state, the cut layer's attention maps (Zero-TPrune) and the stream at the cut (ToMe).
 *   2. R [T′, T] from the chosen method.
 *   3. The reduced run: the fast graph with R fed as the input `reduce`.
 *   4. KL and pooled cosine in float64 (src/analysis/prune/change.ts).
 *
 * Weights: the seed's, or the slot's training job's (baked in, as continueText does).
 */
import { compile, SpecError } from '../src/compiler/compile';
import { REDUCE_HIDDEN, REDUCE_INPUT, REDUCE_STREAM, reduceProblems } from '../src/compiler/reduce';
import { BudgetError, modelStats } from '../src/compiler/stats';
import { toOnnxBytes } from '../src/graph/onnx';
import { outputChange } from '../src/analysis/prune/change';
import { reduction } from '../src/analysis/prune/reduction';
import { bakeWeights } from '../src/train/bake';
import type { CompileOptions } from '../src/compiler/compile';
import type { LoadedModel, OutputTensor } from '../src/runtime/ort';
import { Superseded, type TrainedInputs } from './analyse';
import type { PruneRequest, PruneResult } from './api';

/** Loads ONNX bytes into a session (the worker's runtime). */
export type Load = (bytes: Uint8Array) => Promise<LoadedModel>;

/** Runs the graph of `opts` once on `tokens` with R fed as the input `reduce`. */
async function runReduced(load: Load, req: PruneRequest, opts: CompileOptions, R: Float64Array, trained?: TrainedInputs): Promise<Record<string, OutputTensor>> {
  const values = trained ? new Map(trained.weights.map((w) => [w.name, w.data as Float32Array])) : null;
  const graph = values ? bakeWeights(req.spec, opts, values) : compile(req.spec, opts);
  const model = await load(toOnnxBytes(graph));
  try {
    await model.setWeights([{ name: REDUCE_INPUT, dims: [1, opts.reduce!.keep, opts.T], data: Float32Array.from(R) }]);
    return await model.run(req.tokens);
  } finally {
    await model.release();
  }
}

/** The identity R [T, T]. */
const identity = (T: number) => {
  const I = new Float64Array(T * T);
  for (let i = 0; i < T; i++) I[i * T + i] = 1;
  return I;
};

/** Prunes or merges `req.tokens` after layer run `req.afterRun` down to `req.keep`, and measures the change. */
export async function reduceTokens(load: Load, req: PruneRequest, isStale: () => boolean = () => false, trained?: TrainedInputs): Promise<PruneResult> {
  const T = req.tokens.length;
  const problems = reduceProblems(req.spec, T, { afterRun: req.afterRun, keep: req.keep });
  if (problems.length) throw new SpecError(problems);
  const stats = modelStats(req.spec, T);
  if (stats.over) throw new BudgetError(stats);

  const full = await runReduced(load, req, { T, mode: 'inspect', reduce: { afterRun: req.afterRun, keep: T } }, identity(T), trained);
  if (isStale()) throw new Superseded(req.id);
  const probs = full[`attn_probs.${req.afterRun}`]!;
  const stream = full[REDUCE_STREAM]!;
  const H = probs.dims[1]!;
  const d = stream.dims[2]!;
  const { R, groups, importance } = reduction(req.method, req.keep, { probs: probs.data, H, stream: stream.data, d, T });

  const reduced = await runReduced(load, req, { T, mode: 'fast', reduce: { afterRun: req.afterRun, keep: req.keep } }, R, trained);
  if (isStale()) throw new Superseded(req.id);
  const V = full['logits']!.dims[2]!;
  const change = outputChange(R, { logits: full['logits']!.data, hidden: full[REDUCE_HIDDEN]!.data }, { logits: reduced['logits']!.data, hidden: reduced[REDUCE_HIDDEN]!.data }, T, req.keep, V, d);
  return {
    id: req.id,
    method: req.method,
    afterRun: req.afterRun,
    keep: req.keep,
    T,
    groups,
    importance,
    change,
    weights: trained?.key ?? `seed ${req.spec.seed}`,
  };
}
