/**
 * Continuing a text with the model: run it, choose the next token from the last position's
 * logits (src/analysis/sample.ts), append it, run again. Independent of comlink so Node tests
 * drive it directly.
 *
 * Which graph: the fast graph (no probes) at the exact length of the text so far. Graph shapes
 * are static, so each new length is a new graph and a new session, made and released here, apart
 * from the sessions the worker keeps for the views (workers/sessions.ts), which stay as they are.
 * Running one graph at maxLen with the text padded at the end would need a single session, but
 * it gives the right logits only for models where no position sees a later one, and not every
 * model here is like that: a non-causal mixer, or the spectral mixer (whose basis depends on T),
 * lets the padding change every position. At the exact length every model's continuation is
 * its true one, and the cost (one compile and load per character, milliseconds for the default
 * model) is paid while the characters already made are on screen.
 *
 * Once the text reaches maxLen the model sees a sliding window, the last maxLen tokens: every
 * later step runs the same graph, so one session serves all of them.
 *
 * Weights: the spec's seeded weights, baked in; or, when the slot has a training job of this
 * architecture (workers/jobs.ts `weightsFor`), the job's weights at the step the request arrived
 * after, baked in the same way (src/train/bake.ts: σReparam's σ is then the trained W's). Each
 * length is a graph of its own anyway, so baking costs what compiling did. The result names the
 * weights it ran on, as an analysis does: `seed 3` or `trained <job> step <n>`.
 */
import { compile, SpecError } from '../src/compiler/compile';
import { BudgetError, modelStats } from '../src/compiler/stats';
import { toOnnxBytes } from '../src/graph/onnx';
import { chooseToken } from '../src/analysis/sample';
import { bakeWeights } from '../src/train/bake';
import { Rng } from '../src/train/random';
import type { LoadedModel } from '../src/runtime/ort';
import { Superseded, type TrainedInputs } from './analyse';
import { CONTINUE_MAX, type ContinueProgress, type ContinueRequest, type ContinueResult } from './api';

/** Loads ONNX bytes into a session (the worker's runtime). */
export type Load = (bytes: Uint8Array) => Promise<LoadedModel>;

/** Why `req` cannot run, in a sentence, or null. */
export function continueProblem(req: ContinueRequest): string | null {
  if (!Number.isInteger(req.count) || req.count < 1 || req.count > CONTINUE_MAX) return `count: the number of characters must be a whole number from 1 to ${CONTINUE_MAX}, got ${req.count}`;
  if (req.tokens.length < 1) return 'tokens: there is no text to continue';
  if (req.mode === 'sample' && !(req.temperature > 0 && Number.isFinite(req.temperature))) return `temperature: must be a positive number, got ${req.temperature}`;
  if (req.topK !== undefined && (!Number.isInteger(req.topK) || req.topK < 1)) return `topK: must be a whole number from 1, got ${req.topK}`;
  if (!Number.isInteger(req.seed)) return `seed: must be a whole number, got ${req.seed}`;
  return null;
}

/**
 * Continues `req.tokens` by `req.count` tokens. `onProgress` hears the tokens made so far after
 * each one; `isStale()` is asked before each step and a true answer stops with Superseded.
 * Refuses a model over the memory budget (BudgetError) before anything is loaded, and a bad
 * request with SpecError. With `trained`, runs on those weights instead of the seed's.
 */
export async function continueText(
  load: Load,
  req: ContinueRequest,
  isStale: () => boolean = () => false,
  onProgress: (p: ContinueProgress) => void = () => undefined,
  trained?: TrainedInputs,
): Promise<ContinueResult> {
  const problem = continueProblem(req);
  if (problem) throw new SpecError([problem]);
  const { spec } = req;
  const longest = Math.min(spec.maxLen, req.tokens.length + req.count - 1);
  const stats = modelStats(spec, longest);
  if (stats.over) throw new BudgetError(stats);

  const values = trained ? new Map(trained.weights.map((w) => [w.name, w.data as Float32Array])) : null;
  const graphAt = (T: number) => (values ? bakeWeights(spec, { T, mode: 'fast' }, values) : compile(spec, { T, mode: 'fast' }));
  const rng = new Rng(req.seed);
  const choice = { mode: req.mode, temperature: req.temperature, topK: req.topK };
  const text = req.tokens.slice();
  const made: number[] = [];
  let held: { T: number; model: LoadedModel } | null = null;
  try {
    for (let step = 0; step < req.count; step++) {
      if (isStale()) throw new Superseded(req.id);
      const window = text.slice(-spec.maxLen);
      const T = window.length;
      let model: LoadedModel | null = held?.T === T ? held.model : null;
      if (!model) {
        const before = held;
        held = null;
        await before?.model.release();
        model = await load(toOnnxBytes(graphAt(T)));
        held = { T, model };
      }
      const out = await model.run(window);
      const logits = out['logits']!.data;
      const V = logits.length / T;
      const next = chooseToken(logits.subarray((T - 1) * V, T * V), choice, rng);
      text.push(next);
      made.push(next);
      onProgress({ id: req.id, tokens: made.slice() });
    }
  } finally {
    await held?.model.release();
  }
  return { id: req.id, tokens: made, weights: trained?.key ?? `seed ${spec.seed}` };
}
