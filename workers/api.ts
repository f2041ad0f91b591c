/** The inference worker's API, shared by the worker and the UI's bridge. Plain data only, and the memory budget. */
import type { Spec } from '../src/spec/types';
import type { HeadStats } from '../src/analysis/headStats';
import type { BackendInfo, Provider } from '../src/runtime/ort';
import type { ModelStats } from '../src/compiler/stats';
import type { ServingModel } from '../src/analysis/serving/projection';
import type { Recipe as TrainRecipe, Evaluation } from '../src/train/run';
import type { StepReport } from '../src/train/trainer';
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentRun } from '../src/spec/experiment';
import type { PolicyKind } from '../src/analysis/eviction/policy';
import type { ReduceMethod } from '../src/analysis/prune/reduction';
import type { OutputChange } from '../src/analysis/prune/change';
import type { OpenedInfo, OtherFeed } from '../src/opened/types';

export type { BackendInfo, ModelStats, TrainRecipe, Evaluation, StepReport };
export { MEMORY_BUDGET_BYTES, SWEEP_MAX_T } from '../src/compiler/budget';

/** The map a view shows: one layer run and head. */
export interface ViewRef {
  layer: number;
  head: number;
}

/** Which model a request is for: A (the one edited), or B in compare mode. */
export type ModelSlot = 'a' | 'b';

/** One analysis: run `spec` on `tokens` (inspect mode for the maps, fast mode for latency). */
export interface AnalysisRequest {
  /** Ids grow across both slots; latest-wins holds per slot. */
  id: number;
  /** 'a' unless given. */
  slot?: ModelSlot;
  spec: Spec;
  tokens: number[];
  /** The map on screen, sent back with the result (the others stay in the worker). */
  view?: ViewRef;
  /**
   * Run the slot's opened ONNX model (workers/opened.ts) instead of `spec`: analyse, latency and
   * map then read this, and `spec` (the playground's model) is not compiled.
   */
  opened?: OpenedRequest;
}

/** What an opened model is run on: its key (see `openModel`), its token ids (null when it takes none), its other inputs. */
export interface OpenedRequest {
  key: string;
  ids: number[] | null;
  /** Inputs that are not text (images, features), by name: given data, or zeros of given dims; those not named are zeros. */
  others: Record<string, OtherFeed>;
}

/** What an opened model's analysis adds to the result. */
export interface OpenedFacts {
  fileName: string;
  /** The drawn layers: the Softmax each was tapped at, and its heads. */
  layers: { softmax: string; heads: number }[];
  /** Attentions found but not drawn, with why (queries and keys of another length). */
  notDrawn: string[];
  /** Whether the maps' positions are the text's tokens (false: positions of a model fed no text, e.g. image columns). */
  textFed: boolean;
  /** The fixed length the text was padded to (a model exported for exactly that many tokens; the maps show the text's), or null. */
  paddedTo: number | null;
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
  /**
   * Per layer run: the mean over tokens of the cosine similarity between each sub-block's input and
   * output hidden states (probes sim_mixer.r, sim_ffn.r; src/analysis/drop.ts), null where the
   * sub-block is absent or dropped. Absent from results made before it was recorded.
   */
  similarity?: { mixer: number | null; ffn: number | null }[];
  /** Next-token scores [T, V]. */
  logits: Float32Array;
  vocabSize: number;
  /** Per layer run: router probabilities [T, E] of a mixture-of-experts layer, or null. */
  router: ({ experts: number; probs: Float32Array } | null)[];
  /**
   * Per layer run: a TokenFormer mixer's token × parameter-token weights Θ [4, T, P] (its q, k, v
   * and o Pattention layers; probe `param_attn.<run>`), or null. Absent from results made before.
   */
  paramAttn?: ({ tokens: number; weights: Float32Array } | null)[];
  /** Per layer run: what each head does on this text (src/analysis/headStats.ts, from the full maps) [runs][H]. */
  headStats: HeadStats[][];
  /**
   * Where the time of this analysis went (ms); `reused` when the inspect session was already there
   * (same graph, same length), and `fed` when it was given other weights (a seed-only edit):
   * `compileMs` is then the time to draw and feed them.
   */
  timings: { compileMs: number; loadMs: number; inspectRunMs: number; reused: boolean; fed?: boolean };
  backend: BackendInfo;
  /**
   * Which weights it ran on: `seed 3` (drawn), or `trained <job> step <n>` when the slot has a
   * training job for this architecture (workers/jobs.ts), or `opened <file>`; absent from results made before.
   */
  weights?: string;
  /** Set when the result is an opened ONNX model's (the request's `opened`). */
  opened?: OpenedFacts;
}

/** Worker start-up facts the UI shows. */
export interface WorkerInfo {
  backend: BackendInfo;
  /** Threads onnxruntime-web's WASM module actually spawned (besides the worker itself). */
  spawnedThreads: number;
}

/** What an analysis is doing, for the progress shown while it runs. */
export type AnalysisStage = 'compiling' | 'running';

/** What a worker tells the page without being asked: progress, and a lost GPU. */
export type WorkerEvent =
  /** The runtime's WebAssembly module is downloading (bytes; total null when the server does not say). */
  | { kind: 'loading'; loaded: number; total: number | null }
  /** Analysis `id` of `slot` reached `stage`. */
  | { kind: 'stage'; slot: ModelSlot; id: number; stage: AnalysisStage }
  /** The WebGPU device went away (driver reset, device destroyed): this worker can no longer run. */
  | { kind: 'device-lost'; message: string };

/** Memory of a worker after its last request, in bytes. */
export interface WorkerMemory {
  /** The WebAssembly heap of onnxruntime-web (it grows and never shrinks); null when not visible. */
  wasmBytes: number | null;
  /** The worker's JavaScript heap in use (Chromium's performance.memory); null elsewhere. */
  jsHeapBytes: number | null;
  /** Sessions the worker holds (at most an inspect and a fast one per model slot). */
  sessions: number;
}

/** The requests a worker answers (the page reaches them through src/state/host.ts). */
export interface InferenceApi {
  /**
   * Loads the runtime; resolves once the first session could be created. `onEvent` (a Comlink
   * proxy, in a worker) hears download progress, analysis stages and a lost GPU device.
   */
  init(onEvent?: (e: WorkerEvent) => void): Promise<WorkerInfo>;
  /** Memory in use now (for the statistics panel and the memory benchmark). */
  memory(): Promise<WorkerMemory>;
  /** Releases the sessions of `slot` (compare mode was turned off). */
  releaseSlot(slot: ModelSlot): Promise<void>;
  /**
   * Reads, checks and taps an ONNX file for `slot` under `key` (workers/opened.ts); later requests
   * with `opened.key` run it. Rejects with an Error named "OpenError" saying in one sentence why a
   * file is refused; the slot's model before stays as it was then. Optional so that stand-in
   * runtimes of tests need not have it; the workers (serve.ts) do.
   */
  openModel?(slot: ModelSlot, key: string, bytes: Uint8Array, fileName: string): Promise<OpenedInfo>;
  /** Forgets the opened model of `slot` and its sessions (the person closed it). */
  closeModel?(slot: ModelSlot): Promise<void>;
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
  /**
   * The serving projection's view of `req.spec` (workers/servingModel.ts): fitted prefill and decode
   * FLOPs, decode state per token, parameters; and the fast graph's exact FLOPs at each of
   * `req.lengths` (for the check against measured latencies). Compiles graphs, draws no weights.
   */
  serving(req: ServingRequest): Promise<ServingAnswer>;
  /** The ONNX file of `spec` at T = `tokens.length` in `mode`, exactly as the page runs it (refused like analyse when over budget). */
  exportOnnx(spec: Spec, T: number, mode: 'inspect' | 'fast'): Promise<Uint8Array>;
  /** Tells the worker that request `id` is the newest, so older ones stop (used when nothing is sent). */
  supersede(id: number, slot?: ModelSlot): Promise<void>;
  /**
   * Median of a few warm runs of `req.spec` at T = `req.tokens.length` in `mode` (the inspect
   * figure: the fast one comes with analyse). Asked for after the result is drawn, so it never
   * delays a map. Rejects with an Error named "Superseded" once a newer request is announced.
   */
  latency(req: AnalysisRequest, mode: LatencyMode): Promise<LatencyFigure>;
  /** Each block of the fast graph timed alone as a sub-graph, against the whole graph (workers/latency.ts). */
  breakdown(req: AnalysisRequest): Promise<BreakdownResult>;
  /**
   * Latency of the fast graph of `req.spec` at each of `req.lengths`, on WASM and, when there is an
   * adapter, WebGPU. `onProgress` (a Comlink proxy) hears after every step; over-budget lengths are
   * skipped with the reason. Resolves with what was measured, also when cancelled.
   */
  sweep(req: SweepRequest, onProgress: (p: SweepProgress) => void): Promise<SweepResult>;
  /** Stops the running sweep before its next step (or its next warm run). */
  cancelSweep(): Promise<void>;
  /**
   * Prefill against decode (workers/decodeLatency.ts): for each model and context length L, the
   * fast graph's forward time at T = L and one decode step at position L − 1 on a decode graph of
   * capacity L, on the worker's runtime. `onProgress` (a Comlink proxy) hears after every point.
   * Resolves with what was measured, also when cancelled (cancelDecodeSweep). Optional so that
   * stand-in runtimes of tests need not have it; the workers (serve.ts) do.
   */
  decodeSweep?(req: DecodeSweepRequest, onProgress: (p: DecodeSweepProgress) => void): Promise<DecodeSweepResult>;
  /** Stops the running decode sweep before its next point. */
  cancelDecodeSweep?(): Promise<void>;
  /**
   * Trains `req.spec` (its seed replaced by the recipe's) on the recipe's task in this worker, one
   * job per model slot (workers/jobs.ts): a new job replaces the slot's previous one. Steps run back
   * to back; between steps the worker answers other requests, so an analysis or a pause waits at
   * most one step. `onProgress` (a Comlink proxy) hears every `reportEvery` steps, at each change
   * of status, and with the snapshots. While the job lives (also once ended), analyses of the same
   * architecture in this slot run on its current weights. Resolves when the job ends: done,
   * stopped (also by resetTraining or a newer job) or diverged (the weights stay the step
   * before's). Rejects before compiling with TrainingBudgetError (the numbers and what to reduce)
   * or TaskError (bad task parameters), and with the error of a step that failed (status failed).
   */
  train(req: TrainRequest, onProgress: (p: TrainProgress) => void): Promise<TrainResult>;
  /** Pauses the slot's running job after the step in progress (nothing when none runs). */
  pauseTraining(slot: ModelSlot): Promise<void>;
  /** Resumes the slot's paused job: it continues exactly as if never paused. */
  resumeTraining(slot: ModelSlot): Promise<void>;
  /** Stops the slot's job after the step in progress; its weights stay what analyses run on. */
  stopTraining(slot: ModelSlot): Promise<void>;
  /** Stops the slot's job and forgets it: analyses of the slot run on the initial (seed) weights again. */
  resetTraining(slot: ModelSlot): Promise<void>;
  /** The slot's job's current weights by name (copies, transferred), or null when it has no job. */
  trainedWeights(slot: ModelSlot): Promise<TrainedWeights | null>;
  /**
   * Holds trained weights that did not come from a job run here (kept in the browser, or imported
   * from a file) in `slot` as a finished job of `req.spec`: analyses of that architecture in the
   * slot run on them exactly as on a job's, and trainedWeights / exportTrained give them back.
   * Replaces the slot's job. Rejects (TaskError) when they do not fit the spec's architecture.
   */
  restoreTraining(slot: ModelSlot, req: RestoreRequest): Promise<{ job: number; step: number }>;
  /**
   * The ONNX file of the slot's job's model at T (batch 1) in `mode`, with its trained weights
   * baked in and the spec, recipe and step in its metadata, so it can be imported back
   * (src/train/trainedFile.ts). Rejects when the slot has no job, or like exportOnnx when over budget.
   */
  exportTrained(slot: ModelSlot, mode: 'inspect' | 'fast', T: number): Promise<Uint8Array>;
  /**
   * The model's continuation of `req.tokens` (workers/generate.ts), `req.count` tokens, greedy or
   * sampled. `onProgress` (a Comlink proxy) hears the tokens made so far after each one. Rejects
   * with Superseded once a newer analysis of the slot is announced (an edit), with BudgetError or
   * SpecError before running anything.
   */
  continueText(req: ContinueRequest, onProgress?: (p: ContinueProgress) => void): Promise<ContinueResult>;
  /**
   * Runs experiment `exp` (workers/experiments.ts: its trainings one after another, always on
   * WASM), skipping the runs in `done` (kept from before). `onProgress` (a Comlink proxy) hears at
   * least every 10 steps and after every run. Resolves with every run, also when stopped; rejects
   * (ExperimentBusy) while another experiment runs, and with the reason a definition cannot run.
   */
  runExperiment(exp: Experiment, done: readonly ExperimentRun[], onProgress: (p: ExperimentProgress) => void): Promise<ExperimentResult>;
  /** Stops the experiment under way after the step in progress (nothing when none runs). */
  stopExperiment(): Promise<void>;
  /**
   * The exact effect of KV-cache eviction (workers/evictionCost.ts): `req.tokens` decoded with the
   * full cache and with each policy's keep masks at each budget; KL(full ‖ evicted) per step, and
   * for a slot with trained weights the task accuracy at each budget. `onProgress` (a Comlink
   * proxy) hears after each cell. Rejects with Superseded once a newer analysis of the slot is
   * announced, with SpecError or BudgetError before running anything.
   */
  evictionCost(req: EvictionCostRequest, onProgress?: (p: EvictionCostProgress) => void): Promise<EvictionCostResult>;
  /**
   * Token pruning or merging of a bidirectional model (workers/prune.ts): the full and the reduced
   * run on `req.tokens`, and what the reduction changed. Rejects with SpecError (a causal model,
   * positions inside attention, bad keep), BudgetError, or Superseded once the slot's text or model is edited.
   */
  reduceTokens?(req: PruneRequest): Promise<PruneResult>;
}

/** The exact eviction re-run of the text on screen (issue 20, item 5). */
export interface EvictionCostRequest {
  /** The analysis the text comes from: a newer one of the slot (an edit) stops the re-run. */
  id: number;
  /** 'a' unless given. */
  slot?: ModelSlot;
  spec: Spec;
  tokens: number[];
  /** Budgets in tokens (the most keys a run's cache holds per head). */
  budgets: number[];
  /** Policies by kind (src/analysis/eviction/registry.ts); all when absent. */
  policies?: PolicyKind[];
  /** Held-out examples of a trained model's task scored per budget (default 16). */
  examples?: number;
  /**
   * StreamingLLM numbers its kept keys by their rank in the cache (its code's positions within the
   * cache) instead of their text positions; the other policies keep text positions. Needs every
   * attention run to have a full cache.
   */
  cachePositions?: boolean;
}

/** One policy at one budget: KL(full ‖ evicted) in nats per step, its mean and the top-token flips over steps t ≥ budget, and the task accuracy (trained models). */
export interface EvictionCell {
  kind: PolicyKind;
  budget: number;
  kl: number[];
  meanKl: number;
  flipped: number;
  accuracy?: number;
}

export interface EvictionCostProgress {
  id: number;
  /** Cells done, of (policies × budgets). */
  done: number;
  total: number;
  cells: EvictionCell[];
}

export interface EvictionCostResult {
  id: number;
  T: number;
  /** The layer runs whose cache the policies masked (attention with one key slot per token). */
  evictedRuns: number[];
  cells: EvictionCell[];
  /** `seed 3` or `trained <job> step <n>` (as AnalysisResult.weights). */
  weights: string;
  /** For trained weights: the task, how many held-out examples were scored, and the full cache's accuracy on them. */
  accuracy?: { task: string; examples: number; full: number };
}

/** Token reduction of `spec` on `tokens`: `method` after layer run `afterRun`, down to `keep` tokens. */
export interface PruneRequest {
  /** The analysis the text comes from: a newer one of the slot stops this. */
  id: number;
  slot?: ModelSlot;
  spec: Spec;
  tokens: number[];
  method: ReduceMethod;
  afterRun: number;
  keep: number;
}

/** What a reduction kept or merged, and what it changed (src/analysis/prune/change.ts). */
export interface PruneResult {
  id: number;
  method: ReduceMethod;
  afterRun: number;
  keep: number;
  T: number;
  /** The original tokens of each reduced row, in row order (one each when pruning). */
  groups: number[][];
  /** Zero-TPrune's importance of each of the T tokens (sums to 1); null for merging. */
  importance: Float64Array | null;
  change: OutputChange;
  /** `seed 3` or `trained <job> step <n>`. */
  weights: string;
}

/** Most tokens one continuation makes. */
export const CONTINUE_MAX = 200;

/** What the serving projection asks of a worker. */
export interface ServingRequest {
  spec: Spec;
  /** Lengths at which the fast graph's exact FLOPs are wanted. */
  lengths: number[];
}

export interface ServingAnswer {
  model: ServingModel;
  /** The fast graph's FLOPs at each requested length (null where it does not compile). */
  flopsAt: { T: number; flops: number | null }[];
  /** The page's memory budget (the memory of the "this browser" profile). */
  budgetBytes: number;
}

/** Continue `tokens` with `spec`'s model: greedy (argmax) or sampled from softmax(logits / temperature). */
export interface ContinueRequest {
  /** The analysis the text comes from: a newer one of the slot (an edit) stops this continuation. */
  id: number;
  /** 'a' unless given. */
  slot?: ModelSlot;
  spec: Spec;
  tokens: number[];
  /** Tokens to make, 1 … CONTINUE_MAX. */
  count: number;
  mode: 'greedy' | 'sample';
  /** τ > 0, read when sampling. */
  temperature: number;
  /** Sample among the k most likely only; all when absent. */
  topK?: number;
  /** Seeds the draws (src/train/random.ts Rng): the same seed, the same continuation. */
  seed: number;
  /** 'forward' runs the forward pass at every step even when the model can decode (to compare the two); the decode graph when absent. */
  path?: 'decode' | 'forward';
}

/**
 * One step of a continuation, timed: the run that read the token at `position` (decode graph) or
 * the whole window ending there (forward pass), giving the next token's logits. `prompt`: the step
 * only filled the cache with a token of the text (its logits are not used); otherwise it chose a token.
 */
export interface TokenStep {
  position: number;
  /** Wall time of the step in ms (the run, its inputs and outputs; compiling a graph is not counted). */
  ms: number;
  prompt: boolean;
  path: 'decode' | 'forward';
}

/** The tokens a continuation has made so far, and every step's wall time. */
export interface ContinueProgress {
  id: number;
  tokens: number[];
  /** Every step so far, in order (prompt steps first on the decode path). */
  msPerToken: TokenStep[];
}

/** The tokens made, and which weights made them: `seed 3`, or `trained <job> step <n>` (as AnalysisResult.weights). */
export interface ContinueResult extends ContinueProgress {
  weights?: string;
  /** The decode graph's capacity when it ran (null when every step ran the forward pass). */
  capacity: number | null;
  /** Why the forward pass ran for every step, in one sentence (the model cannot decode), or null. */
  fallback: string | null;
  /** The first position whose step ran the forward pass over the last maxLen tokens (past the capacity), or null. */
  windowFrom: number | null;
}

/** A training job: what to train, and how often to tell the page. */
export interface TrainRequest {
  /** 'a' unless given. */
  slot?: ModelSlot;
  /** The model; its seed is replaced by `recipe.seed` (the recipe seeds the weights, as in src/train/run.ts). */
  spec: Spec;
  recipe: TrainRecipe;
  /** Report progress every this many steps (default TRAIN_REPORT_EVERY). */
  reportEvery?: number;
  /** Take a snapshot of the probe's maps every this many steps (0 or absent: never). */
  snapshotEvery?: number;
  /** The probe's tokens (at most spec.maxLen); the first held-out example's tokens when absent. */
  probe?: number[];
  /** The snapshot map sent at full size (layer 0, head 0 when absent). */
  view?: ViewRef;
}

/** Steps between progress reports when the request names none. */
export const TRAIN_REPORT_EVERY = 10;

/**
 * Where a job is: running; paused (waiting for resume); stopped (asked to, or replaced); done
 * (every step taken); diverged (a step's loss was not a number: the weights are the step before's);
 * failed (a step threw: `message` says what).
 */
export type TrainStatus = 'running' | 'paused' | 'stopped' | 'done' | 'diverged' | 'failed';

/** A probe example's maps at one step, taken with the weights of that step. */
export interface TrainSnapshot {
  step: number;
  /** The probe's length. */
  T: number;
  nLayers: number;
  nHeads: number;
  /** Side of each thumbnail: ≤ THUMB_SIDE; block means of the [T, T] map (the map itself when T ≤ THUMB_SIDE). */
  thumbSide: number;
  /** Per layer run: every head's attn_probs as block means [H, thumbSide, thumbSide]. */
  thumbs: Float32Array[];
  /** Per layer run: attn_entropy [H, T]. */
  entropy: Float32Array[];
  /**
   * Per layer run: what each head does on the probe (src/analysis/headStats.ts, from the full maps)
   * [runs][H]; absent from snapshots kept before it was recorded.
   */
  headStats?: HeadStats[][];
  /** The requested view's map at full size (up to MAP_MAX_SIDE); its `id` is the job's id. */
  map: MapView;
}

/** What the page hears while a job runs: everything since the previous report. */
export interface TrainProgress {
  /** The job (ids grow within a worker). */
  job: number;
  slot: ModelSlot;
  status: TrainStatus;
  /** Steps taken so far, and in all. */
  step: number;
  steps: number;
  /** Each step's loss, accuracy, gradient norms (global, per layer) and learning rate since the previous report. */
  reports: StepReport[];
  /** Held-out loss and accuracy taken since the previous report. */
  evaluations: Evaluation[];
  snapshots: TrainSnapshot[];
  /** Steps per second over the steps of this report (null when it has none). */
  stepsPerSecond: number | null;
  /** Where the steps run now: 'webgpu' keeps the weights and moments on the GPU between steps (workers/jobs.ts sets it always). */
  provider?: Provider;
  /** Why a job of the WebGPU worker runs on WASM, in one sentence, when it does. */
  fallbackReason?: string;
  /** Why it stopped, diverged or failed. */
  message?: string;
}

/** How a job ended. */
export interface TrainResult {
  job: number;
  slot: ModelSlot;
  status: Exclude<TrainStatus, 'running' | 'paused'>;
  step: number;
  /** The last held-out evaluation (null when none was taken). */
  evaluation: Evaluation | null;
  message?: string;
}

/** Trained weights to hold in a slot (InferenceApi.restoreTraining). */
export interface RestoreRequest {
  /** The spec they were trained for (its seed becomes the recipe's). */
  spec: Spec;
  recipe: TrainRecipe;
  /** The steps they were trained for (0: initial weights). */
  step: number;
  /** Every trainable weight of the spec's architecture by name (docs/weights.md), as TrainedWeights holds them. */
  weights: TrainedWeights['weights'];
}

/** A job's weights: the trainable weights by name (docs/weights.md), as a graph with weights as inputs takes them. */
export interface TrainedWeights {
  job: number;
  /** The step they are the weights after (0: the initial weights). */
  step: number;
  /** The analyses' name for them: `trained <job> step <step>`. */
  key: string;
  weights: { name: string; dims: number[]; data: Float32Array }[];
}

/** Which graph a latency is of: fast (no probes, what latency means) or inspect (the one the views run). */
export type LatencyMode = 'fast' | 'inspect';

/** A median latency, labelled with what was timed and where, with the wall time of every run. */
export interface LatencyFigure {
  /** The request it was measured for. */
  id: number;
  mode: LatencyMode;
  provider: BackendInfo['provider'];
  T: number;
  medianMs: number;
  runs: number;
  /** Each warm run's wall time in ms, in the order taken (runs of them; more were taken when the spread was wide). */
  samplesMs: number[];
}

/**
 * The per-block breakdown: each block (scope) of the fast graph compiled alone at the same shapes
 * and timed, less the fixed cost of a run measured on a pass-through graph. How far the blocks'
 * sum lands from the whole graph is the method's error (docs/benchmarks.md#per-block-breakdown).
 */
export interface BreakdownResult {
  T: number;
  provider: BackendInfo['provider'];
  /** Warm runs per median. */
  runs: number;
  /** The whole fast graph. */
  wholeMs: number;
  /** The pass-through graph: feeding one [1, T, d] input and reading it back. */
  overheadMs: number;
  /** In the order the graph builds them; ms = max(0, rawMs − overheadMs). */
  blocks: { scope: string; ms: number; rawMs: number }[];
  /** Σ ms + overheadMs: what the blocks add up to, with one run's fixed cost. */
  sumMs: number;
  /** (sumMs − wholeMs) / wholeMs. */
  gap: number;
}

/** A latency sweep over sequence lengths. */
export interface SweepRequest {
  spec: Spec;
  lengths: number[];
}

/**
 * One length of a sweep: the median of the warm runs in ms, the fastest, and every run's wall time
 * (the spread the page shows and the exponent's interval comes from); or null and why (longer than
 * the model takes, over the budget, failed).
 */
export interface SweepPoint {
  T: number;
  ms: number | null;
  medianMs?: number;
  minMs?: number;
  samplesMs?: number[];
  note?: string;
}

/** Prefill against decode: the models (A, and B in compare mode) and the context lengths. */
export interface DecodeSweepRequest {
  models: { slot: ModelSlot; spec: Spec }[];
  lengths: number[];
}

/** One model's prefill (forward time at T = L) or decode (one step at position L − 1, capacity L) points. */
export interface DecodeSweepSeries {
  slot: ModelSlot;
  /** The model's name. */
  model: string;
  kind: 'prefill' | 'decode';
  points: SweepPoint[];
  /** Decode series: how each layer run decodes (src/decode/decodeState.ts decodeForms). */
  forms?: string;
}

export interface DecodeSweepProgress {
  done: number;
  total: number;
  series: DecodeSweepSeries[];
}

export interface DecodeSweepResult extends DecodeSweepProgress {
  cancelled: boolean;
  provider: BackendInfo['provider'];
  /** "WASM, 2 threads" or "WebGPU". */
  label: string;
  /** Warm runs per point at least. */
  runs: number;
}

/** One backend's points. */
export interface SweepSeries {
  provider: BackendInfo['provider'];
  /** "WASM, 2 threads" or "WebGPU". */
  label: string;
  points: SweepPoint[];
}

/** Where a sweep stands: steps are (length, backend) pairs. */
export interface SweepProgress {
  done: number;
  total: number;
  series: SweepSeries[];
}

export interface SweepResult extends SweepProgress {
  cancelled: boolean;
  /** Why there is no WebGPU series (null when there is one). */
  webgpuMissing: string | null;
  /** Warm runs per point at least (a point whose runs spread widely takes more: see samplesMs). */
  runs: number;
}
