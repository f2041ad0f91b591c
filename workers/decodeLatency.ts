/**
 * Prefill against decode: what one more token costs once a context of L tokens is there, beside
 * what reading L tokens at once costs. For each context length L:
 *   - prefill: the fast graph's forward time at T = L (as the latency sweep, workers/latency.ts);
 *   - decode: one step of the decode graph of capacity L at position L − 1 (the last slot): the
 *     time to make token L given the state of the L − 1 before it.
 * The state's values do not change the time of a step (every op runs on the full cache or state
 * whatever it holds), so the step is timed with every state at zero: no L − 1 steps are run to
 * fill it. Attention's cache grows with L, so its step does; a sliding window's stops growing at
 * the window; a constant-size recurrent state's does not grow; a mixer on the generic form
 * (src/decode/generic.ts) recomputes at length L and grows like its forward pass.
 * Lengths past maxLen are measured when no weight depends on maxLen (compiler/stats.ts sweepLimit),
 * as the latency sweep does. Independent of comlink: Node tests and `npm run bench` run it too.
 */
import { compile, SpecError } from '../src/compiler/compile';
import { sweepLimit, sweepSpec, sweepStats, type SweepLimit } from '../src/compiler/stats';
import { numel, type Graph } from '../src/graph/ir';
import { toOnnxBytes } from '../src/graph/onnx';
import { decodeForms } from '../src/decode/decodeState';
import { nextTask, type InputTensor, type Runtime } from '../src/runtime/ort';
import type { Spec } from '../src/spec/types';
import { formatBytes } from '../src/spec/units';
import type { DecodeSweepProgress, DecodeSweepRequest, DecodeSweepResult, DecodeSweepSeries, SweepPoint } from './api';
import { errorText, fillerTokens, runtimeLabel, SWEEP_RUNS, timeModel, tokenInput } from './latency';

/** The inputs of one decode step at position L − 1 of `graph` (a decode graph of capacity L): one token, its position, every state (and keep mask) at zero. */
export function decodeStepInputs(graph: Graph, L: number): InputTensor[] {
  return graph.inputs.map((t) =>
    t.name === 'tokens' ? { name: t.name, dims: [...t.shape], data: BigInt64Array.from({ length: numel(t.shape) }, () => 2n) }
    : t.name === 'position' ? { name: t.name, dims: [...t.shape], data: Float32Array.of(L - 1) }
    : { name: t.name, dims: [...t.shape], data: new Float32Array(numel(t.shape)) },
  );
}

/** What is timed for one (model, kind, L): the bytes and inputs, or why it is skipped. */
type Plan = { bytes: Uint8Array; inputs: InputTensor[] } | { skip: string };

/** The graph and inputs of `kind` at L, or the reason it is skipped (longer than the model takes, cannot decode, over the budget). */
export function planPoint(spec: Spec, kind: 'prefill' | 'decode', L: number, limit: SweepLimit): Plan {
  if (L > limit.maxT) return { skip: `longer than maxLen (${spec.maxLen}): ${limit.reason ?? 'the longest length a model takes'}` };
  let graph: Graph;
  try {
    graph = compile(sweepSpec(spec, L, limit), { T: L, mode: kind === 'prefill' ? 'fast' : 'decode' });
  } catch (e) {
    if (e instanceof SpecError) return { skip: e.errors[0] ?? e.message };
    throw e;
  }
  const stats = sweepStats(graph);
  if (stats.over) return { skip: `over the memory budget (needs about ${formatBytes(stats.peakBytes)} of ${formatBytes(stats.budgetBytes)})` };
  return { bytes: toOnnxBytes(graph), inputs: kind === 'prefill' ? [tokenInput(fillerTokens(L))] : decodeStepInputs(graph, L) };
}

/** What a decode sweep is told while it runs. */
export interface DecodeSweepControl {
  /** Asked before every point and every warm run. */
  cancelled(): boolean;
  onProgress?(p: DecodeSweepProgress): void;
  runs?: number;
}

/**
 * Prefill and decode latency of every model at every length, on `runtime`: lengths in the outer
 * loop, so the models (A and B) and the two kinds are measured at the same moments of the machine.
 * Each point is the median of at least `runs` warm runs (more while they spread widely: timeModel).
 * A skipped or failed point is kept with its note; once `cancelled()` the sweep stops within one point.
 */
export async function decodeSweep(runtime: Runtime, req: DecodeSweepRequest, control: DecodeSweepControl): Promise<DecodeSweepResult> {
  const runs = control.runs ?? SWEEP_RUNS;
  const kinds = ['prefill', 'decode'] as const;
  const formsOf = (spec: Spec) => {
    try {
      return decodeForms(spec);
    } catch (e) {
      return errorText(e);
    }
  };
  const series: DecodeSweepSeries[] = req.models.flatMap((m) =>
    kinds.map((kind) => ({ slot: m.slot, model: m.spec.name, kind, points: [] as SweepPoint[], ...(kind === 'decode' ? { forms: formsOf(m.spec) } : {}) })),
  );
  const limits = new Map<number, SweepLimit>();
  const total = req.lengths.length * series.length;
  let done = 0;
  let cancelled = false;
  outer: for (const L of req.lengths) {
    for (const [i, m] of req.models.entries()) {
      for (const [j, kind] of kinds.entries()) {
        await nextTask(); // let a cancel message in
        if ((cancelled = control.cancelled())) break outer;
        const s = series[i * kinds.length + j]!;
        try {
          if (!limits.has(i)) limits.set(i, sweepLimit(m.spec));
          const plan = planPoint(m.spec, kind, L, limits.get(i)!);
          if ('skip' in plan) s.points.push({ T: L, ms: null, note: plan.skip });
          else {
            const t = await timeModel(runtime, plan.bytes, plan.inputs, runs, () => control.cancelled());
            if ((cancelled = control.cancelled())) break outer;
            s.points.push({ T: L, ms: t.medianMs, medianMs: t.medianMs, minMs: Math.min(...t.samplesMs), samplesMs: t.samplesMs });
          }
        } catch (e) {
          s.points.push({ T: L, ms: null, note: errorText(e) });
        }
        done++;
        control.onProgress?.({ done, total, series: structuredClone(series) });
      }
    }
  }
  return { done, total, series, cancelled, provider: runtime.backend.provider, label: runtimeLabel(runtime), runs };
}
