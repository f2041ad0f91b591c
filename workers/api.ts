/** The inference worker's API, shared by the worker and the UI's bridge. Plain data only, and the memory budget. */
import type { Spec } from '../src/spec/types';
import type { BackendInfo } from '../src/runtime/ort';
import type { ModelStats } from '../src/compiler/stats';

export type { BackendInfo, ModelStats };
export { MEMORY_BUDGET_BYTES } from '../src/compiler/budget';

/** The map a view shows: one layer run and head. */
export interface ViewRef {
  layer: number;
  head: number;
}

/** One analysis: run `spec` on `tokens` (inspect mode for the maps, fast mode for latency). */
export interface AnalysisRequest {
  id: number;
  spec: Spec;
  tokens: number[];
  /** The map on screen, sent back with the result (the others stay in the worker). */
  view?: ViewRef;
}

/** Largest map side that leaves the worker; longer texts get block means (src/analysis/maps.ts). */
export const MAP_MAX_SIDE = 512;
/** Side of the head-grid thumbnails. */
export const THUMB_SIDE = 24;

/** One map as a view draws it: [side, side], each cell the mean of a block × block square of the [T, T] map. */
export interface MapView {
  /** The analysis it comes from. */
  id: number;
  layer: number;
  head: number;
  T: number;
  side: number;
  block: number;
  values: Float32Array;
}

/**
 * What the views draw: summaries of every layer run, and the full map only for the view on
 * screen. Arrays are row-major and transferred, not copied; no array grows with T² except the
 * map shown, which is capped at MAP_MAX_SIDE².
 */
export interface AnalysisResult {
  id: number;
  T: number;
  /** Layer runs (layers, with weight-shared loops unrolled; see src/spec/schedule.ts). */
  nLayers: number;
  nHeads: number;
  /** The map of the requested view (layer 0, head 0 when none was named). */
  map: MapView;
  /** Per layer run: every head's map as a THUMB_SIDE² thumbnail of mean |weight| [H, s, s]. */
  thumbs: Float32Array[];
  thumbSide: number;
  /** Per layer run: entropy of each query's row in nats [H, T]. */
  entropy: Float32Array[];
  /** Per layer run: keys with a nonzero weight in each row [H, T] (the uniform maximum is their log). */
  support: Uint16Array[];
  /** RMS of the residual stream after the embeddings and after each layer run [runs + 1, T]. */
  residRms: Float32Array;
  /** Next-token scores [T, V]. */
  logits: Float32Array;
  vocabSize: number;
  /** Per layer run: router probabilities [T, E] of a mixture-of-experts layer, or null. */
  router: ({ experts: number; probs: Float32Array } | null)[];
  latency: { medianMs: number; runs: number; mode: 'fast' };
  /** Where the time of this analysis went (ms). */
  timings: { compileMs: number; loadMs: number; inspectRunMs: number };
  backend: BackendInfo;
}

/** Worker start-up facts the UI shows. */
export interface WorkerInfo {
  backend: BackendInfo;
  /** Threads onnxruntime-web's WASM module actually spawned (besides the worker itself). */
  spawnedThreads: number;
}

export interface InferenceApi {
  /** Loads the runtime; resolves once the first session could be created. */
  init(): Promise<WorkerInfo>;
  /**
   * Runs the request. A model whose analysis would need more memory than the budget is refused
   * before anything is serialised or loaded: the promise rejects with an Error named
   * "BudgetError" whose message gives the numbers and what to reduce.
   */
  analyse(req: AnalysisRequest): Promise<AnalysisResult>;
  /**
   * Parameters, FLOPs and memory of `req.spec` at T = `req.tokens.length`, and whether an analysis
   * fits the budget. Takes milliseconds: no weights are drawn. Rejects (SpecError) when the spec
   * does not compile or T is not from 1 to maxLen.
   */
  stats(req: AnalysisRequest): Promise<ModelStats>;
  /** The map of (layer, head) from analysis `id`, if the worker still holds it (it keeps the newest). */
  map(id: number, view: ViewRef): Promise<MapView | null>;
  /** Tells the worker that request `id` is the newest, so older ones stop (used when nothing is sent). */
  supersede(id: number): Promise<void>;
}
