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
import { downsample, rowSupport } from '../src/analysis/maps';
import { MAP_MAX_SIDE, THUMB_SIDE, type AnalysisRequest, type AnalysisResult, type MapView, type ViewRef } from './api';

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
 * Runs `req`; `isStale()` is checked between stages so an overtaken request stops early. Throws
 * BudgetError before serialising or loading anything when the analysis would not fit the budget.
 * Returns what the views are sent, and the full maps, which stay in the worker.
 */
export async function analyse(runtime: Runtime, req: AnalysisRequest, isStale: () => boolean = () => false): Promise<{ result: AnalysisResult; held: HeldMaps }> {
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
    thumbs: held.maps.map((m) => {
      const out = new Float32Array(H * THUMB_SIDE * THUMB_SIDE);
      for (let h = 0; h < H; h++) {
        const t = downsample(m, T, h, THUMB_SIDE, true);
        // A short text gives a thumbnail smaller than THUMB_SIDE: spread it over the grid, cell by cell.
        for (let y = 0; y < THUMB_SIDE; y++)
          for (let x = 0; x < THUMB_SIDE; x++) out[(h * THUMB_SIDE + y) * THUMB_SIDE + x] = t.values[Math.floor((y * t.side) / THUMB_SIDE) * t.side + Math.floor((x * t.side) / THUMB_SIDE)]!;
      }
      return out;
    }),
    thumbSide: THUMB_SIDE,
    entropy: runs.map((i) => out[`attn_entropy.${i}`]!.data),
    support: held.maps.map((m) => rowSupport(m, H, T)),
    residRms: out['resid_rms']!.data,
    logits: logits.data,
    vocabSize: logits.dims[logits.dims.length - 1]!,
    router: runs.map((i) => {
      const r = out[`router_probs.${i}`];
      return r ? { experts: r.dims[r.dims.length - 1]!, probs: r.data } : null;
    }),
    latency: { medianMs: latency.medianMs, runs: LATENCY_RUNS, mode: 'fast' },
    timings: { compileMs: t1 - t0, loadMs: t2 - t1, inspectRunMs: t3 - t2 },
    backend: runtime.backend,
  };
  return { result, held };
}

/** The buffers of a result, to transfer rather than copy. */
export function transferables(r: AnalysisResult): ArrayBuffer[] {
  const arrays = [r.map.values, ...r.thumbs, ...r.entropy, ...r.support, r.residRms, r.logits, ...r.router.flatMap((x) => (x ? [x.probs] : []))];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}
