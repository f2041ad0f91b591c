/**
 * Latency measurements beyond the one analyse makes, independent of comlink so Node tests run
 * exactly what the worker runs:
 *   - `timeMode`: the median of warm runs of the fast or the inspect graph, with every run's time
 *     (the inspect figure is asked for after the map is drawn, so it never delays one);
 *   - `breakdown`: each block timed alone as a sub-graph of the fast graph (src/graph/subgraph.ts),
 *     less the fixed cost of a run, against the whole graph;
 *   - `sweep`: the fast graph's latency against T on one or more runtimes, with progress and cancel,
 *     budgeted on the fast graph alone and, when no weight depends on maxLen, past maxLen.
 * Where the runs spread widely (src/analysis/spread.ts: moreRuns), more are taken, within limits.
 *
 * Why sub-graphs and not onnxruntime's profiler: onnxruntime-web's WASM build prints its profile
 * to the console (it has no file system to write it to) and `endProfiling()` returns nothing, so
 * per-node times never reach JavaScript; WebGPU has a per-kernel callback, WASM none. Sub-graphs
 * work the same on both (docs/benchmarks.md#per-block-breakdown).
 */
import { compile } from '../src/compiler/compile';
import { BudgetError, modelStats, sweepLimit, sweepSpec, sweepStats } from '../src/compiler/stats';
import { median, moreRuns, type RunLimits } from '../src/analysis/spread';
import { toOnnxBytes } from '../src/graph/onnx';
import { numel, type Tensor } from '../src/graph/ir';
import { graphScopes, passThroughGraph, scopeSubgraph } from '../src/graph/subgraph';
import { nextTask, type InputTensor, type Runtime, type Timing } from '../src/runtime/ort';
import type { Spec } from '../src/spec/types';
import { formatBytes } from '../src/spec/units';
import { recipe, Superseded } from './analyse';
import type { Sessions } from './sessions';
import type { AnalysisRequest, BreakdownResult, LatencyFigure, LatencyMode, SweepProgress, SweepRequest, SweepResult, SweepSeries } from './api';

/** Warm runs of the fast graph for the latency figure of every result. */
export const FAST_RUNS = 5;
/** Warm runs of the inspect graph: few, since it runs after every edit and holds the queue meanwhile. */
export const INSPECT_RUNS = 3;
/** Warm runs per block of the breakdown (and of the whole graph and the pass-through graph). */
export const BREAKDOWN_RUNS = 5;
/** Rounds over all of the breakdown's graphs; each keeps its fastest median. */
export const BREAKDOWN_ROUNDS = 2;
/** Warm runs per point of a sweep at least; the median is the point. */
export const SWEEP_RUNS = 7;
/** How far a figure may go in runs when they spread widely (src/analysis/spread.ts: moreRuns). */
export const FAST_LIMITS: RunLimits = { maxRuns: 20, maxTotalMs: 1500 };
export const INSPECT_LIMITS: RunLimits = { maxRuns: 9, maxTotalMs: 800 };
export const SWEEP_LIMITS: RunLimits = { maxRuns: 21, maxTotalMs: 3000 };

/**
 * `runs` warm runs by `time`, then more while their spread is wide (moreRuns), each batch after
 * its own warm-up run; stops early once `stop()` says so. Returns every run's time and their median.
 */
export async function timeSpread(time: (runs: number) => Promise<Timing>, runs: number, limits: RunLimits, stop: () => boolean = () => false): Promise<Timing> {
  const samplesMs = [...(await time(runs)).samplesMs];
  for (let more = moreRuns(samplesMs, limits); more > 0 && !stop(); more = moreRuns(samplesMs, limits)) {
    const batch = (await time(more)).samplesMs;
    if (batch.length === 0) break;
    samplesMs.push(...batch);
  }
  return { medianMs: median(samplesMs), samplesMs };
}

/** Loads `bytes`, times warm runs on `inputs`, and releases the session whatever happens. */
async function timeBytes(runtime: Runtime, bytes: Uint8Array, inputs: InputTensor[], runs: number, stop?: () => boolean): Promise<Timing> {
  const model = await runtime.load(bytes);
  try {
    return await model.timeInputs(inputs, runs, stop);
  } finally {
    await model.release();
  }
}

/** Loads `bytes` and times warm runs as timeSpread does (SWEEP_LIMITS), releasing the session whatever happens. */
export async function timeModel(runtime: Runtime, bytes: Uint8Array, inputs: InputTensor[], runs: number, stop: () => boolean): Promise<Timing> {
  const model = await runtime.load(bytes);
  try {
    return await timeSpread((n) => model.timeInputs(inputs, n, stop), runs, SWEEP_LIMITS, stop);
  } finally {
    await model.release();
  }
}

/** The `tokens` input of a model. */
export const tokenInput = (tokens: readonly number[]): InputTensor => ({ name: 'tokens', dims: [1, tokens.length], data: BigInt64Array.from(tokens, (t) => BigInt(t)) });

/** Text-like tokens for a length with no text: the printable characters in turn. */
export const fillerTokens = (T: number): number[] => Array.from({ length: T }, (_, i) => 2 + (i % 95));

/**
 * Values for an input of a block's sub-graph: small smooth floats (no NaN, no denormals, which
 * would time differently), index 0 for int64 (a valid token and index everywhere), true for bool.
 */
function fillInput(t: Tensor): InputTensor {
  const n = numel(t.shape);
  const data =
    t.dtype === 'float32' ? Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(0.37 * i))
    : t.dtype === 'int64' ? new BigInt64Array(n)
    : new Uint8Array(n).fill(1);
  return { name: t.name, dims: [...t.shape], data };
}

/**
 * The median of warm runs of `req` in `mode` (FAST_RUNS of the fast graph, INSPECT_RUNS of the
 * inspect graph, more while they spread widely), with every run's time, on the session `sessions` holds for the request's slot (made when the spec or
 * the length changed); throws Superseded once `isStale()`.
 */
export async function timeMode(sessions: Sessions, req: AnalysisRequest, mode: LatencyMode, isStale: () => boolean = () => false, runs = mode === 'fast' ? FAST_RUNS : INSPECT_RUNS): Promise<LatencyFigure> {
  const check = () => {
    if (isStale()) throw new Superseded(req.id);
  };
  check();
  const T = req.tokens.length;
  const model = await sessions.get(req.slot ?? 'a', mode, recipe(req.spec, T, mode, sessions.inspectWeights));
  check();
  const timing = await timeSpread((n) => model.time(req.tokens, n, isStale), runs, mode === 'fast' ? FAST_LIMITS : INSPECT_LIMITS, isStale);
  check();
  return { id: req.id, mode, provider: sessions.runtime.backend.provider, T, medianMs: timing.medianMs, runs: timing.samplesMs.length, samplesMs: timing.samplesMs };
}

/**
 * Every block (scope) of the fast graph of `spec` at T = `tokens.length`, timed alone at the same
 * shapes, less the run time of a pass-through graph; with the whole graph timed the same way, so
 * the gap between the blocks' sum and the whole is there to read. Throws BudgetError like analyse.
 */
export async function breakdown(runtime: Runtime, spec: Spec, tokens: readonly number[], runs = BREAKDOWN_RUNS): Promise<BreakdownResult> {
  const T = tokens.length;
  const stats = modelStats(spec, T);
  if (stats.over) throw new BudgetError(stats);
  const fast = compile(spec, { T, mode: 'fast' });
  const pass = passThroughGraph([1, T, spec.dModel]);
  const graphs = [
    { scope: '', bytes: toOnnxBytes(fast), inputs: [tokenInput(tokens)] },
    { scope: '', bytes: toOnnxBytes(pass), inputs: pass.inputs.map(fillInput) },
    ...graphScopes(fast).flatMap((scope) => {
      const sub = scopeSubgraph(fast, scope);
      // A block whose results nothing uses is dropped by the runtime from the whole graph too.
      return sub ? [{ scope, bytes: toOnnxBytes(sub), inputs: sub.inputs.map(fillInput) }] : [];
    }),
  ];
  // Every graph is timed in BREAKDOWN_ROUNDS rounds and its fastest median kept: the first runs at
  // a new size are slower while the engine still optimises its code, and that is not the blocks' cost.
  const best = graphs.map(() => Infinity);
  for (let round = 0; round < BREAKDOWN_ROUNDS; round++)
    for (const [i, g] of graphs.entries()) best[i] = Math.min(best[i]!, (await timeBytes(runtime, g.bytes, g.inputs, runs)).medianMs);
  const [wholeMs, overheadMs] = best as [number, number];
  const blocks = graphs.slice(2).map((g, i) => ({ scope: g.scope, rawMs: best[i + 2]!, ms: Math.max(0, best[i + 2]! - overheadMs) }));
  const sumMs = blocks.reduce((s, b) => s + b.ms, 0) + overheadMs;
  return { T, provider: runtime.backend.provider, runs, wholeMs, overheadMs, blocks, sumMs, gap: (sumMs - wholeMs) / wholeMs };
}

/** A runtime's name in a legend. */
export const runtimeLabel = (rt: Runtime): string =>
  rt.backend.provider === 'webgpu' ? 'WebGPU' : `WASM, ${rt.backend.threads} thread${rt.backend.threads === 1 ? '' : 's'}`;

/** What a sweep is told while it runs. */
export interface SweepControl {
  /** Asked before every step and every warm run. */
  cancelled(): boolean;
  onProgress?(p: SweepProgress): void;
  runs?: number;
}

/**
 * The fast graph's latency at each length (the median of at least `runs` warm runs, more while they
 * spread widely, with every run's time), on each runtime in turn. A length is skipped with the
 * reason when it is longer than the model takes (maxLen, when a weight depends on it: sweepLimit)
 * or when the fast graph alone is over the memory budget (sweepStats; the inspect graph is never
 * built here); a failure is kept as a point with its message. Once `cancelled()` says true the sweep
 * stops within one step (a point cut short is dropped) and returns what it measured.
 */
export async function sweep(runtimes: readonly Runtime[], req: SweepRequest, control: SweepControl): Promise<SweepResult> {
  const runs = control.runs ?? SWEEP_RUNS;
  const series: SweepSeries[] = runtimes.map((rt) => ({ provider: rt.backend.provider, label: runtimeLabel(rt), points: [] }));
  const total = req.lengths.length * runtimes.length;
  let done = 0;
  const progress = () => control.onProgress?.({ done, total, series: structuredClone(series) });
  const skip = (T: number, note: string) => {
    series.forEach((s) => s.points.push({ T, ms: null, note }));
    done += runtimes.length;
    progress();
  };
  let cancelled = false;
  let limit: ReturnType<typeof sweepLimit> | null = null;
  for (const T of req.lengths) {
    await nextTask(); // let a cancel message in
    if ((cancelled = control.cancelled())) break;
    let bytes: Uint8Array;
    try {
      limit ??= sweepLimit(req.spec);
      if (T > limit.maxT) {
        skip(T, `longer than maxLen (${req.spec.maxLen}): ${limit.reason ?? 'the longest length a model takes'}`);
        continue;
      }
      const fast = compile(sweepSpec(req.spec, T, limit), { T, mode: 'fast' });
      const stats = sweepStats(fast);
      if (stats.over) {
        skip(T, `over the memory budget (needs about ${formatBytes(stats.peakBytes)} of ${formatBytes(stats.budgetBytes)})`);
        continue;
      }
      bytes = toOnnxBytes(fast);
    } catch (e) {
      skip(T, errorText(e));
      continue;
    }
    for (const [i, rt] of runtimes.entries()) {
      if ((cancelled = control.cancelled())) break;
      try {
        const timing = await timeModel(rt, bytes, [tokenInput(fillerTokens(T))], runs, () => control.cancelled());
        if ((cancelled = control.cancelled())) break;
        series[i]!.points.push({ T, ms: timing.medianMs, medianMs: timing.medianMs, minMs: Math.min(...timing.samplesMs), samplesMs: timing.samplesMs });
      } catch (e) {
        series[i]!.points.push({ T, ms: null, note: errorText(e) });
      }
      // A failed WebGPU session falls back to WASM, and WASM learns its thread count on first load.
      Object.assign(series[i]!, { provider: rt.backend.provider, label: runtimeLabel(rt) });
      done++;
      progress();
    }
    if (cancelled) break;
  }
  const webgpuMissing = runtimes.some((rt) => rt.backend.provider === 'webgpu') ? null : (runtimes[0]?.backend.fallbackReason ?? 'no runtime');
  return { done, total, series, cancelled, webgpuMissing, runs };
}

export function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}
