/**
 * Continuing a text with the model: choose the next token from the logits at the last position
 * (src/analysis/sample.ts), append it, go on. Independent of comlink so Node tests drive it directly.
 *
 * Which graph: the DECODE GRAPH (compile mode 'decode', src/decode/driver.ts) when the model can
 * decode: one graph of capacity C = min(maxLen, text + count − 1) tokens, one session, compiled and
 * loaded once. The text is fed one token per step (filling the cache or the recurrent state), then
 * each chosen token is fed back; every step's wall time is measured and streamed with the tokens.
 * Its logits are the forward pass's at the same length (test/decode/decode.test.ts), so greedy
 * decoding chooses what the forward path below chooses.
 *
 * The forward path: the fast graph (no probes) at the exact length of the text so far, recompiled
 * at each new length (graph shapes are static). It serves
 *   - a model that cannot decode (compile throws SpecError: a bidirectional mixer, the spectral
 *     mixer, ProbSparse), for every step, with the reason returned in one sentence (`fallback`);
 *   - every step past the capacity: once the text is longer than maxLen the model sees a sliding
 *     window of the last maxLen tokens, as before (`windowFrom`). The decode graph's cache does not
 *     slide: the window's positions restart at 0 at every step, which a cache built at fixed
 *     positions cannot give.
 * At the exact length every model's continuation is its true one: padding to maxLen would let a
 * non-causal mixer or the spectral mixer (whose basis depends on T) change every position.
 *
 * Weights: the spec's seeded weights, baked in; or, when the slot has a training job of this
 * architecture (workers/jobs.ts `weightsFor`), the job's weights at the step the request arrived
 * after, baked in the same way (src/train/bake.ts, the decode graph too: σReparam's σ is then the
 * trained W's). The result names the weights it ran on, as an analysis does: `seed 3` or
 * `trained <job> step <n>`.
 */
import { compile, SpecError } from '../src/compiler/compile';
import { BudgetError, modelStats } from '../src/compiler/stats';
import { toOnnxBytes } from '../src/graph/onnx';
import { startDecoding, type DecodeRun } from '../src/decode/driver';
import { chooseToken } from '../src/analysis/sample';
import { bakeWeights } from '../src/train/bake';
import { Rng } from '../src/train/random';
import type { LoadedModel } from '../src/runtime/ort';
import { Superseded, type TrainedInputs } from './analyse';
import { CONTINUE_MAX, type ContinueProgress, type ContinueRequest, type ContinueResult, type TokenStep } from './api';

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

/** Why `spec` cannot decode at capacity C, in one sentence, or null (compile refuses it with SpecError). */
export function decodeRefusal(spec: ContinueRequest['spec'], C: number): string | null {
  try {
    compile(spec, { T: C, mode: 'decode' });
    return null;
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return e.errors[0] ?? e.message;
  }
}

/**
 * Continues `req.tokens` by `req.count` tokens. `onProgress` hears the tokens made so far and every
 * step's wall time after each step; `isStale()` is asked before each step and a true answer stops
 * with Superseded. Refuses a model over the memory budget (BudgetError) before anything is loaded,
 * and a bad request with SpecError. With `trained`, runs on those weights instead of the seed's.
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
  const graphAt = (T: number, mode: 'fast' | 'decode') => (values ? bakeWeights(spec, { T, mode }, values) : compile(spec, { T, mode }));
  const rng = new Rng(req.seed);
  const choice = { mode: req.mode, temperature: req.temperature, topK: req.topK };
  const text = req.tokens.slice();
  const made: number[] = [];
  const steps: TokenStep[] = [];
  const report = () => onProgress({ id: req.id, tokens: made.slice(), msPerToken: steps.slice() });
  const check = () => {
    if (isStale()) throw new Superseded(req.id);
  };
  /** Chooses the next token from `logits` (one row) and appends it. */
  const choose = (logits: Float32Array) => {
    const next = chooseToken(logits, choice, rng);
    text.push(next);
    made.push(next);
  };

  // The decode graph: the text must fit its capacity (maxLen at most).
  const C = longest;
  const fallback =
    req.path === 'forward' ? 'the forward path was asked for.'
    : text.length > spec.maxLen ? `the text is longer than maxLen (${spec.maxLen}), so the model reads its last ${spec.maxLen} tokens.`
    : decodeRefusal(spec, C);
  if (fallback === null) {
    const model = await load(toOnnxBytes(graphAt(C, 'decode')));
    try {
      const run: DecodeRun = startDecoding(model, spec, C);
      /** Feeds one token and times the step. */
      const step = async (token: number, prompt: boolean) => {
        check();
        const position = run.position;
        const t0 = performance.now();
        const { logits } = await run.step(token);
        steps.push({ position, ms: performance.now() - t0, prompt, path: 'decode' });
        return logits;
      };
      let logits: Float32Array | null = null;
      for (const [i, token] of req.tokens.entries()) {
        logits = await step(token, i < req.tokens.length - 1);
        if (i < req.tokens.length - 1) report();
      }
      choose(logits!);
      report();
      // Each chosen token is fed back while the cache has room; past it, the forward path takes over.
      while (made.length < req.count && run.position < C) {
        choose(await step(made.at(-1)!, false));
        report();
      }
    } finally {
      await model.release();
    }
  }

  // The forward path: for a model that cannot decode, and past the capacity (a sliding window).
  let windowFrom: number | null = null;
  let held: { T: number; model: LoadedModel } | null = null;
  try {
    while (made.length < req.count) {
      check();
      const window = text.slice(-spec.maxLen);
      const T = window.length;
      if (T < text.length) windowFrom ??= text.length - 1;
      let model: LoadedModel | null = held?.T === T ? held.model : null;
      if (!model) {
        const before = held;
        held = null;
        await before?.model.release();
        model = await load(toOnnxBytes(graphAt(T, 'fast')));
        held = { T, model };
      }
      const t0 = performance.now();
      const out = await model.run(window);
      steps.push({ position: text.length - 1, ms: performance.now() - t0, prompt: false, path: 'forward' });
      const logits = out['logits']!.data;
      const V = logits.length / T;
      choose(logits.subarray((T - 1) * V, T * V));
      report();
    }
  } finally {
    await held?.model.release();
  }
  return {
    id: req.id,
    tokens: made,
    msPerToken: steps,
    weights: trained?.key ?? `seed ${spec.seed}`,
    capacity: fallback === null ? C : null,
    fallback: fallback === null ? null : fallbackSentence(fallback),
    windowFrom,
  };
}

/** The reason a model does not decode, as the one sentence the page shows (the reason's first sentence). */
function fallbackSentence(reason: string): string {
  const why = reason.split(/\.\s+(?=[A-Z])/)[0]!.replace(/\.$/, '');
  return `Each token ran the forward pass over the whole text instead of the decode graph: ${why}.`;
}
