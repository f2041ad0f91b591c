/**
 * The worker's side of the exact eviction re-run (issue 20, item 5; src/analysis/eviction/rerun.ts): the
 * decode graph of the model on screen, compiled with keep inputs and rows, one session; the text
 * decoded once with the full cache and once per policy and budget; and, for a trained model, its
 * task's held-out examples decoded the same way for the accuracy at each budget. Independent of
 * comlink so Node tests drive it directly.
 *
 * Trained weights: the decode graph takes them as inputs (fed once; the driver feeds the state and
 * the keep masks each step on top). σReparam's σ comes from one power iteration from W's top left
 * singular vector, fed as sigma_u (as src/train/bake.ts does for baked graphs), so it is exact.
 */
import { compile, SpecError, sigmaStateName } from '../src/compiler/compile';
import { BudgetError, modelStats } from '../src/compiler/stats';
import type { Graph } from '../src/graph/ir';
import { toOnnxBytes } from '../src/graph/onnx';
import { leftSingularVector } from '../src/graph/spectral';
import { POLICY_KINDS } from '../src/analysis/eviction/registry';
import type { PolicyKind } from '../src/analysis/eviction/policy';
import { startDecoding } from '../src/decode/driver';
import { evictionCost, policyEvictor, taskAccuracy, type CachePositions, type ScoredExample } from '../src/analysis/eviction/rerun';
import type { InputTensor, LoadedModel } from '../src/runtime/ort';
import { hash32, Rng } from '../src/train/random';
import { findTask } from '../src/train/tasks/registry';
import type { Recipe } from '../src/spec/recipe';
import { Superseded, type TrainedInputs } from './analyse';
import type { EvictionCostProgress, EvictionCostRequest, EvictionCostResult, EvictionCell } from './api';

/** Loads ONNX bytes into a session (the worker's runtime). */
export type Load = (bytes: Uint8Array) => Promise<LoadedModel>;

/** Held-out examples scored for the accuracy column when the request names no number. */
export const EVICTION_EXAMPLES = 16;

/** Why `req` cannot run, in a sentence, or null. */
export function evictionCostProblem(req: EvictionCostRequest): string | null {
  const T = req.tokens.length;
  if (T < 2) return 'tokens: the text needs at least 2 tokens for a cache to evict from';
  if (T > req.spec.maxLen) return `tokens: the text has ${T} tokens, more than the model's maxLen ${req.spec.maxLen}`;
  if (!req.budgets.length) return 'budgets: give at least one budget';
  const bad = req.budgets.find((b) => !Number.isInteger(b) || b < 1);
  if (bad !== undefined) return `budgets: a budget is a whole number of tokens, at least 1; got ${bad}`;
  const unknown = (req.policies ?? []).find((k) => !POLICY_KINDS.includes(k));
  if (unknown) return `policies: unknown eviction policy "${unknown}"; known: ${POLICY_KINDS.join(', ')}`;
  return null;
}

/** The graph's weight inputs (and σReparam's sigma_u) from trained values by name. */
function trainedFeeds(graph: Graph, trained: TrainedInputs): InputTensor[] {
  const values = new Map(trained.weights.map((w) => [w.name, w]));
  const feeds: InputTensor[] = [];
  for (const t of graph.inputs) {
    const w = values.get(t.name);
    if (w) feeds.push({ name: t.name, dims: [...t.shape], data: w.data });
    else if (t.name.startsWith('sigma_u.')) {
      const weight = graph.inputs.find((x) => sigmaStateName(x.name) === t.name)!;
      const [rows, cols] = weight.shape as [number, number];
      feeds.push({ name: t.name, dims: [rows], data: leftSingularVector(values.get(weight.name)!.data as Float32Array, rows, cols) });
    }
  }
  return feeds;
}

/** The first `n` rows of the task's held-out set as teacher-forced examples (position i − 1 predicts its target). */
export function heldOutExamples(recipe: Recipe, n: number): ScoredExample[] {
  const task = findTask(recipe.task);
  if (!task) throw new Error(`unknown task "${recipe.task}"`);
  const held = task.heldOut(recipe.taskParams, recipe.T, recipe.text);
  const out: ScoredExample[] = [];
  for (let r = 0; r < Math.min(n, held.B); r++) {
    const at = (a: ArrayLike<number>) => Array.from({ length: held.T }, (_, t) => a[r * held.T + t]!);
    out.push({ tokens: at(held.tokens), targets: at(held.targets), scored: at(held.lossMask).map((v) => v > 0) });
  }
  return out;
}

/**
 * Runs the measurement. `onProgress` hears after each cell; `isStale()` is asked between cells and a
 * true answer stops with Superseded. With `trained` (and its recipe), runs on those weights and
 * adds the task accuracy of each cell and of the full cache.
 */
export async function runEvictionCost(
  load: Load,
  req: EvictionCostRequest,
  isStale: () => boolean = () => false,
  onProgress: (p: EvictionCostProgress) => void = () => undefined,
  trained?: { inputs: TrainedInputs; recipe: Recipe },
): Promise<EvictionCostResult> {
  const problem = evictionCostProblem(req);
  if (problem) throw new SpecError([problem]);
  const { spec, tokens } = req;
  const kinds: readonly PolicyKind[] = req.policies ?? POLICY_KINDS;
  const examples = trained ? heldOutExamples(trained.recipe, req.examples ?? EVICTION_EXAMPLES) : [];
  const C = Math.max(tokens.length, ...examples.map((e) => e.tokens.length));
  if (C > spec.maxLen) throw new SpecError([`the task's examples have ${C} tokens, more than the model's maxLen ${spec.maxLen}`]);
  const stats = modelStats(spec, C);
  if (stats.over) throw new BudgetError(stats);

  const sigma = spec.sigmaReparam.enabled;
  const cachePositions = req.cachePositions ?? false;
  const graph = compile(spec, { mode: 'decode', T: C, evict: true, rows: true, cachePositions, ...(trained ? { weights: 'inputs' as const, ...(sigma ? { spectral: 'power' as const } : {}) } : {}) });
  const model = await load(toOnnxBytes(graph));
  try {
    if (trained) await model.setWeights(trainedFeeds(graph, trained.inputs));
    const open = () => startDecoding(model, spec, C);
    // Positions within the cache: StreamingLLM's kept keys at their ranks, every other run at text positions.
    const positionsFor = (kind: PolicyKind | 'full'): CachePositions | undefined => (cachePositions ? { feed: (inputs) => model.setWeights(inputs), ranks: kind === 'streaming_llm' } : undefined);
    // Keyformer's Gumbel noise: one seeded stream per (policy, budget, run, head), so a cell never depends on the others.
    const paramsFor = (kind: PolicyKind, budget: number, r: number, h: number, steps: number) => ({
      steps,
      rng: new Rng(hash32(spec.seed, POLICY_KINDS.indexOf(kind), budget, r, h)),
    });
    const total = kinds.length * req.budgets.length;
    const cells: EvictionCell[] = [];
    const { full, cells: costs } = await evictionCost(
      open,
      tokens,
      kinds,
      req.budgets,
      (kind, budget, r, h) => paramsFor(kind, budget, r, h, tokens.length),
      (c) => {
        cells.push({ kind: c.kind, budget: c.budget, kl: Array.from(c.kl), meanKl: c.meanKl, flipped: c.flipped });
        onProgress({ id: req.id, done: cells.length, total, cells: cells.slice() });
      },
      isStale,
      positionsFor,
    );
    if (isStale() || costs.length < total) throw new Superseded(req.id);
    let fullAccuracy: number | undefined;
    if (trained && examples.length) {
      fullAccuracy = await taskAccuracy(open, examples, undefined, false, positionsFor('full'));
      const T = trained.recipe.T;
      for (const cell of cells) {
        if (isStale()) throw new Superseded(req.id);
        const evictor = () => policyEvictor(cell.kind, cell.budget, (r, h) => paramsFor(cell.kind, cell.budget, r, h, T));
        cell.accuracy = await taskAccuracy(open, examples, evictor, cell.kind === 'topk', positionsFor(cell.kind), positionsFor('full'));
        onProgress({ id: req.id, done: total, total, cells: cells.slice() });
      }
    }
    return {
      id: req.id,
      T: tokens.length,
      evictedRuns: full.evictedRuns,
      cells,
      weights: trained?.inputs.key ?? `seed ${spec.seed}`,
      ...(trained && fullAccuracy !== undefined ? { accuracy: { task: trained.recipe.task, examples: examples.length, full: fullAccuracy } } : {}),
    };
  } finally {
    await model.release();
  }
}
