/** The inference worker's API, shared by the worker and the UI's bridge. Plain data only, and the memory budget. */
import type { Spec } from '../src/spec/types';
import type { BackendInfo } from '../src/runtime/ort';
import type { ModelStats } from '../src/compiler/stats';

export type { BackendInfo, ModelStats };
export { MEMORY_BUDGET_BYTES } from '../src/compiler/budget';

/** One analysis: run `spec` on `tokens` (inspect mode for the maps, fast mode for latency). */
export interface AnalysisRequest {
  id: number;
  spec: Spec;
  tokens: number[];
}

/** What the views draw. Arrays are row-major and transferred, not copied. */
export interface AnalysisResult {
  id: number;
  T: number;
  /** Layer runs (layers, with weight-shared loops unrolled; see src/spec/schedule.ts). */
  nLayers: number;
  nHeads: number;
  /** Per layer run: attention probabilities [H, T, T]. */
  probs: Float32Array[];
  /** Per layer run: entropy of each query's row in nats [H, T]. */
  entropy: Float32Array[];
  /** RMS of the residual stream after the embeddings and after each layer run [runs + 1, T]. */
  residRms: Float32Array;
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
  /** Tells the worker that request `id` is the newest, so older ones stop (used when nothing is sent). */
  supersede(id: number): Promise<void>;
}
