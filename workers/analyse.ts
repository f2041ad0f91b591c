/**
 * One analysis, independent of comlink so it can run in Node tests: compile the inspect graph,
 * run it once, and summarise its outputs for the views. Nothing else waits in front of the map:
 * the latency figures are asked for afterwards (workers/latency.ts), on sessions kept for them.
 */
import { compile } from '../src/compiler/compile';
import { BudgetError, graphStats, modelStats } from '../src/compiler/stats';
import { bakeWeights } from '../src/train/bake';
import { layerSchedule } from '../src/spec/schedule';
import { toOnnxBytes } from '../src/graph/onnx';
import type { Spec } from '../src/spec/types';
import { ERROR } from '../src/spec/errors';
import type { Recipe, Sessions } from './sessions';
import { liftWeights } from '../src/graph/lift';
import type { InputTensor } from '../src/runtime/ort';
import { downsample, rowSupport } from '../src/analysis/maps';
import { headStats } from '../src/analysis/headStats';
import { meanOf } from '../src/analysis/drop';
import { MAP_MAX_SIDE, THUMB_SIDE, type AnalysisRequest, type AnalysisStage, type AnalysisResult, type MapView, type ViewRef } from './api';

/** Thrown when a newer request arrived while this one ran; the caller drops it. */
export class Superseded extends Error {
  constructor(id: number) {
    super(`analysis ${id} was overtaken by a newer edit`);
    this.name = ERROR.Superseded;
  }
}

/**
 * The graph of `spec` at T in `mode` as ONNX bytes. Building a graph draws no weights, so a model
 * over the memory budget (counted for both graphs, as the worker holds a session of each) is
 * refused here, with BudgetError, before anything large is made.
 */
export function serialise(spec: Spec, T: number, mode: 'inspect' | 'fast', weights: 'baked' | 'inputs' = 'baked'): Uint8Array {
  const inspect = compile(spec, { T, mode: 'inspect' });
  const fast = compile(spec, { T, mode: 'fast' });
  const stats = graphStats(spec, inspect, fast);
  if (stats.over) throw new BudgetError(stats);
  const graph = mode === 'inspect' ? inspect : fast;
  // The same graph as compile(…, { weights: 'inputs' }), without building it a third time.
  return toOnnxBytes(weights === 'inputs' ? liftWeights(graph).graph : graph);
}

/** The trainable weights of `spec`'s `mode` graph at T, by name, as a graph with weights as inputs is fed them. */
export function seedWeights(spec: Spec, T: number, mode: 'inspect' | 'fast'): InputTensor[] {
  return liftWeights(compile(spec, { T, mode })).weights.map((w) => ({ name: w.tensor.name, dims: [...w.tensor.shape], data: w.data }));
}

/**
 * Weights a training job holds (workers/jobs.ts), by name, under the key analyses are labelled
 * with (`trained <job> step <n>`). The arrays are never written to after a step made them, so a
 * recipe may hold on to them.
 */
export interface TrainedInputs {
  key: string;
  weights: readonly InputTensor[];
}

/**
 * What the `mode` session of `spec` at T runs. The inspect graph takes its weights as inputs, so a
 * seed-only edit feeds the new seed's weights to the session already made; the fast graph keeps
 * them baked in, since it is what latency times and onnxruntime prepacks constant weights
 * (docs/benchmarks.md). σReparam specs keep them baked too: their σ is computed from the drawn
 * weights when the graph is serialised.
 *
 * With `trained`, the weights are a training job's instead of the seed's: fed to the same inspect
 * session (same graph key, so switching between seed and trained weights only feeds), or, where
 * weights are baked, baked into a graph of their own (src/train/bake.ts; σ from the trained W).
 */
export function recipe(spec: Spec, T: number, mode: 'inspect' | 'fast', inspectWeights: 'inputs' | 'baked' = 'inputs', trained?: TrainedInputs): Recipe {
  const baked = mode === 'fast' || spec.sigmaReparam.enabled || inspectWeights === 'baked';
  if (baked && trained) {
    const values = new Map(trained.weights.map((w) => [w.name, w.data as Float32Array]));
    return {
      graph: `${mode} ${T} baked ${trained.key} ${JSON.stringify(spec)}`,
      build: () => {
        const stats = modelStats(spec, T);
        if (stats.over) throw new BudgetError(stats);
        return toOnnxBytes(bakeWeights(spec, { T, mode }, values));
      },
    };
  }
  if (baked) return { graph: `${mode} ${T} baked ${JSON.stringify(spec)}`, build: () => serialise(spec, T, mode) };
  const { seed, ...rest } = spec;
  return {
    graph: `${mode} ${T} inputs ${JSON.stringify(rest)}`,
    build: () => serialise(spec, T, mode, 'inputs'),
    weights: trained ? { key: trained.key, values: () => [...trained.weights] } : { key: `seed ${seed}`, values: () => seedWeights(spec, T, mode) },
  };
}


/** Every layer run's full maps [H, T, T], kept in the worker for the views that ask for one. */
export interface HeldMaps {
  id: number;
  T: number;
  nHeads: number;
  maps: Float32Array[];
}

/** The map of `view` from `held`, downsampled to MAP_MAX_SIDE a side when T is longer; null when out of range. */
export function mapView(held: HeldMaps, view: ViewRef): MapView | null {
  const { layer, head } = view;
  const maps = held.maps[layer];
  if (!maps || !Number.isInteger(head) || head < 0 || head >= held.nHeads) return null;
  const small = downsample(maps, held.T, head, MAP_MAX_SIDE);
  return { id: held.id, layer, head, T: held.T, side: small.side, block: small.block, values: small.values };
}

/**
 * Runs `req` on the inspect session of `sessions` (made if the spec or the length changed), with
 * `trained` weights when given (the slot's training job's), else the spec's seed's;
 * `isStale()` is checked between stages so an overtaken request stops early, and `onStage` hears
 * each stage. Throws BudgetError before serialising or loading anything when the analysis would
 * not fit the budget. Returns what the views are sent, and the full maps, which stay in the worker.
 */
export async function analyse(
  sessions: Sessions,
  req: AnalysisRequest,
  isStale: () => boolean = () => false,
  onStage: (stage: AnalysisStage) => void = () => undefined,
  trained?: TrainedInputs,
): Promise<{ result: AnalysisResult; held: HeldMaps }> {
  const { spec, tokens } = req;
  const T = tokens.length;
  const check = () => {
    if (isStale()) throw new Superseded(req.id);
  };

  // A newer edit is checked for before each costly step, so overtaken work stops early.
  check();
  onStage('compiling');
  const createdBefore = sessions.created;
  const t0 = performance.now();
  let t1 = t0;
  const r = recipe(spec, T, 'inspect', sessions.inspectWeights, trained);
  const fedBefore = sessions.fed;
  const inspect = await sessions.get(req.slot ?? 'a', 'inspect', {
    ...r,
    build: () => {
      const bytes = r.build();
      t1 = performance.now();
      return bytes;
    },
  });
  if (t1 === t0) t1 = performance.now(); // the session was already there
  const t2 = performance.now();
  check();
  onStage('running');
  const out = await inspect.run(tokens);
  const t3 = performance.now();
  check();

  const L = layerSchedule(spec).length; // layer runs, loops unrolled
  const H = spec.nHeads;
  const runs = Array.from({ length: L }, (_, i) => i);
  const held: HeldMaps = { id: req.id, T, nHeads: H, maps: runs.map((i) => out[`attn_probs.${i}`]!.data) };
  const view = req.view ?? { layer: 0, head: 0 };
  const logits = out['logits']!;
  const result: AnalysisResult = {
    id: req.id,
    T,
    nLayers: L,
    nHeads: H,
    map: mapView(held, view) ?? mapView(held, { layer: 0, head: 0 })!,
    thumbs: held.maps.map((m) => thumbnails(m, T, H)),
    thumbSide: THUMB_SIDE,
    entropy: runs.map((i) => out[`attn_entropy.${i}`]!.data),
    support: held.maps.map((m) => rowSupport(m, H, T)),
    residRms: out['resid_rms']!.data,
    similarity: runs.map((i) => ({ mixer: meanOf(out[`sim_mixer.${i}`]?.data), ffn: meanOf(out[`sim_ffn.${i}`]?.data) })),
    logits: logits.data,
    vocabSize: logits.dims[logits.dims.length - 1]!,
    router: runs.map((i) => {
      const r = out[`router_probs.${i}`];
      return r ? { experts: r.dims[r.dims.length - 1]!, probs: r.data } : null;
    }),
    paramAttn: runs.map((i) => {
      const r = out[`param_attn.${i}`];
      return r ? { tokens: r.dims[r.dims.length - 1]!, weights: r.data } : null;
    }),
    // From the full maps, which only the worker holds (a long text's views get block means).
    headStats: held.maps.map((m) => headStats(m, tokens, H)),
    timings: { compileMs: t1 - t0, loadMs: t2 - t1, inspectRunMs: t3 - t2, reused: sessions.created === createdBefore, fed: sessions.fed > fedBefore },
    backend: sessions.runtime.backend,
    weights: trained?.key ?? `seed ${spec.seed}`,
  };
  return { result, held };
}

/** The head grid's thumbnails of one layer run's maps [H, T, T]: mean |weight| on THUMB_SIDE² cells per head [H, s, s]. */
export function thumbnails(maps: Float32Array, T: number, H: number): Float32Array {
  const out = new Float32Array(H * THUMB_SIDE * THUMB_SIDE);
  for (let h = 0; h < H; h++) {
    const t = downsample(maps, T, h, THUMB_SIDE, true);
    // A short text gives a thumbnail smaller than THUMB_SIDE: spread it over the grid, cell by cell.
    for (let y = 0; y < THUMB_SIDE; y++)
      for (let x = 0; x < THUMB_SIDE; x++) out[(h * THUMB_SIDE + y) * THUMB_SIDE + x] = t.values[Math.floor((y * t.side) / THUMB_SIDE) * t.side + Math.floor((x * t.side) / THUMB_SIDE)]!;
  }
  return out;
}

/** The buffers of a result, to transfer rather than copy. */
export function transferables(r: AnalysisResult): ArrayBuffer[] {
  const arrays = [r.map.values, ...r.thumbs, ...r.entropy, ...r.support, r.residRms, r.logits, ...r.router.flatMap((x) => (x ? [x.probs] : [])), ...(r.paramAttn ?? []).flatMap((x) => (x ? [x.weights] : []))];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
