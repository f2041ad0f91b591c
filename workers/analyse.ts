/**
 * One analysis, independent of comlink so it can run in Node tests: compile the inspect graph and
 * run it once for the maps, then compile the fast graph and time warm runs of it for the latency.
 */
import { compile } from '../src/compiler/compile';
import { BudgetError, graphStats } from '../src/compiler/stats';
import { layerSchedule } from '../src/spec/schedule';
import { toOnnxBytes } from '../src/graph/onnx';
import type { Spec } from '../src/spec/types';
import type { Runtime } from '../src/runtime/ort';
import type { AnalysisRequest, AnalysisResult } from './api';

/** Warm runs timed for the latency figure. */
export const LATENCY_RUNS = 5;

/** Thrown when a newer request arrived while this one ran; the caller drops it. */
export class Superseded extends Error {
  constructor(id: number) {
    super(`analysis ${id} was overtaken by a newer edit`);
    this.name = 'Superseded';
  }
}

/**
 * The inspect and fast graphs as ONNX bytes. Building a graph draws no weights, so a model over
 * the memory budget is refused here, with BudgetError, before anything large is made.
 */
function serialise(spec: Spec, T: number): [inspect: Uint8Array, fast: Uint8Array] {
  const inspect = compile(spec, { T, mode: 'inspect' });
  const fast = compile(spec, { T, mode: 'fast' });
  const stats = graphStats(spec, inspect, fast);
  if (stats.over) throw new BudgetError(stats);
  return [toOnnxBytes(inspect), toOnnxBytes(fast)];
}

/**
 * Runs `req`; `isStale()` is checked between stages so an overtaken request stops early. Throws
 * BudgetError before serialising or loading anything when the analysis would not fit the budget.
 */
export async function analyse(runtime: Runtime, req: AnalysisRequest, isStale: () => boolean = () => false): Promise<AnalysisResult> {
  const { spec, tokens } = req;
  const T = tokens.length;
  const check = () => {
    if (isStale()) throw new Superseded(req.id);
  };

  // A newer edit is checked for before each costly step, so overtaken work stops early.
  check();
  const t0 = performance.now();
  const [inspectBytes, fastBytes] = serialise(spec, T);
  const t1 = performance.now();
  check();

  const inspect = await runtime.load(inspectBytes);
  const t2 = performance.now();
  let out;
  try {
    check();
    out = await inspect.run(tokens);
  } finally {
    await inspect.release();
  }
  const t3 = performance.now();
  check();

  const fast = await runtime.load(fastBytes);
  let latency;
  try {
    check();
    latency = await fast.time(tokens, LATENCY_RUNS);
  } finally {
    await fast.release();
  }
  check();

  const L = layerSchedule(spec).length; // layer runs, loops unrolled
  const layers = Array.from({ length: L }, (_, i) => i);
  return {
    id: req.id,
    T,
    nLayers: L,
    nHeads: spec.nHeads,
    probs: layers.map((i) => out[`attn_probs.${i}`]!.data),
    entropy: layers.map((i) => out[`attn_entropy.${i}`]!.data),
    residRms: out['resid_rms']!.data,
    latency: { medianMs: latency.medianMs, runs: LATENCY_RUNS, mode: 'fast' },
    timings: { compileMs: t1 - t0, loadMs: t2 - t1, inspectRunMs: t3 - t2 },
    backend: runtime.backend,
  };
}
