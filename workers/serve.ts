/**
 * The body of an inference worker: compiler and runtime behind comlink. The WASM worker and the
 * WebGPU worker (wasm.worker.ts, webgpu.worker.ts) are this file with another onnxruntime-web
 * build. A worker never sees the store; it answers requests, drops a request as soon as a newer
 * one for the same model slot has been announced, and keeps the sessions of the models on screen
 * (workers/sessions.ts).
 *
 * The page learns that a worker died, however it died, from a Web Lock: the worker holds the lock
 * named after itself for as long as it lives, and the page waits for the same lock.
 */
import * as Comlink from 'comlink';
import { defaultSpec } from '../src/spec/defaults';
import { Runtime, type OrtModule, type Provider } from '../src/runtime/ort';
import { compile } from '../src/compiler/compile';
import { BudgetError, MEMORY_BUDGET_BYTES, modelStats } from '../src/compiler/stats';
import { toOnnxBytes } from '../src/graph/onnx';
import { keepWeightsOfSeeds } from '../src/graph/init';
import { analyse, mapView, transferables } from './analyse';
import type { AnalysisRequest, ContinueProgress, EvictionCostProgress, InferenceApi, ModelSlot, ViewRef, WorkerEvent, WorkerInfo } from './api';
import { classifyFailure, RuntimeBroken } from './failure';
import { webGpuUnavailable } from './gpu';
import { breakdown, sweep, timeMode } from './latency';
import { continueText } from './generate';
import { runEvictionCost } from './evictionCost';
import { decodeSweep } from './decodeLatency';
import { flopsAt, servingModel } from './servingModel';
import { reduceTokens } from './prune';
import { Sessions } from './sessions';
import { Slots } from './slots';
import { analyseOpened, NotOpened, openModel, timeOpened, type OpenedModel } from './opened';
import type { Jobs } from './jobs';
import type { Experiments } from './experiments';
import type { OrtLike } from '../src/train/trainer';

interface WorkerScope {
  name: string;
  location: Location;
  navigator: Navigator & { locks?: LockManager };
  fetch: typeof fetch;
  /**
   * A handle for tests, benchmarks and devtools: the WebGPU device, once there is one, and the
   * sessions (the edit-to-visual benchmark sets `inspectWeights` to compare baked weights).
   */
  __tpDebug?: { gpuDevice?: unknown; sessions?: Sessions };
}

/** Starts answering requests on `ort` (the worker's onnxruntime-web build), preferring `provider`. */
export function serve(ort: OrtModule, provider: Provider): void {
  const scope = self as unknown as WorkerScope;
  const alive = holdLifeLock(scope);
  const spawned = countThreads();
  const memories = watchMemories();
  let emit: (e: WorkerEvent) => void = () => undefined;

  let started: Promise<{ rt: Runtime; sessions: Sessions }> | null = null;
  const start = () =>
    (started ??= (async () => {
      const stopWatching = reportDownloads(scope, (loaded, total) => emit({ kind: 'loading', loaded, total }));
      try {
        const rt = await Runtime.start({
          ort,
          wasmPaths: new URL(`${import.meta.env.BASE_URL}ort/`, scope.location.origin).href,
          numThreads: Math.max(1, Math.min(4, scope.navigator.hardwareConcurrency || 1)),
          preferWebGpu: provider === 'webgpu',
          webGpuUnavailable,
        });
        // Load the module now (and confirm the provider) with the smallest graph there is.
        const probe = await rt.load(toOnnxBytes(compile(defaultSpec(), { T: 1, mode: 'fast' })));
        await probe.release();
        const device = await rt.webGpuDevice();
        if (device) {
          scope.__tpDebug = { ...scope.__tpDebug, gpuDevice: device };
          void device.lost.then((info) => emit({ kind: 'device-lost', message: info.message || info.reason || 'the device was lost' }));
        }
        const sessions = new Sessions(rt);
        scope.__tpDebug = { ...scope.__tpDebug, sessions };
        return { rt, sessions };
      } finally {
        stopWatching();
      }
    })());

  /** Per model slot: the newest request id, the newest analysis's full maps and its seed. */
  const slots = new Slots();
  /** The opened ONNX model of each slot, if any (workers/opened.ts). */
  const opened = new Map<ModelSlot, OpenedModel>();
  const openedFor = (slot: ModelSlot, key: string): OpenedModel => {
    const m = opened.get(slot);
    if (!m || m.key !== key) throw new NotOpened(key);
    return m;
  };
  /** The running sweep's cancel flag (a new sweep cancels the one before). */
  let activeSweep: { cancelled: boolean } | null = null;
  /** The running decode sweep's cancel flag (prefill against decode). */
  let activeDecodeSweep: { cancelled: boolean } | null = null;
  /**
   * Training jobs, one per slot (workers/jobs.ts), made on the first job: the training code
   * (src/train, its tasks) is a chunk of its own, loaded then and not with the analyses.
   */
  let jobs: Jobs | null = null;
  const jobsOf = async (): Promise<Jobs> => {
    if (jobs) return jobs;
    const [{ Jobs }, { rt }] = await Promise.all([import('./jobs'), start()]);
    return (jobs ??= new Jobs(rt, ort as unknown as OrtLike));
  };
  /** Experiments (workers/experiments.ts), made on the first one: training code, loaded like the jobs. */
  let experiments: Experiments | null = null;
  const experimentsOf = async (): Promise<Experiments> => {
    if (experiments) return experiments;
    const [{ Experiments }, { rt }] = await Promise.all([import('./experiments'), start()]);
    return (experiments ??= new Experiments(rt, ort as unknown as OrtLike));
  };
  /** A WASM runtime beside a WebGPU one, for the sweep's second series (one module, one queue of runs). */
  let wasmRuntime: Runtime | null = null;

  /** Runs `task`; a failure that leaves the module unsound becomes RuntimeBroken (the page restarts this worker). */
  const guard = async <R>(task: () => Promise<R>): Promise<R> => {
    try {
      return await task();
    } catch (e) {
      throw classifyFailure(e) === 'broken' ? new RuntimeBroken(e) : e;
    }
  };

  const api: InferenceApi = {
    async init(onEvent) {
      if (onEvent) emit = (e) => void Promise.resolve(onEvent(e)).catch(() => undefined); // never wait on the page
      await alive;
      const { rt } = await guard(start);
      return { backend: rt.backend, spawnedThreads: spawned() } satisfies WorkerInfo;
    },
    async memory() {
      const { sessions } = await start();
      (globalThis as { gc?: () => void }).gc?.(); // only where the browser exposes it (the memory benchmark does)
      const perf = performance as Performance & { memory?: { usedJSHeapSize: number } };
      const wasm = memories();
      return { wasmBytes: wasm, jsHeapBytes: perf.memory?.usedJSHeapSize ?? null, sessions: sessions.size };
    },
    async releaseSlot(slot) {
      await jobs?.reset(slot);
      (await start()).sessions.releaseSlot(slot);
      opened.delete(slot);
      slots.release(slot);
      keepWeightsOfSeeds(slots.seeds());
    },
    async openModel(slot, key, bytes, fileName) {
      const m = openModel(key, bytes, fileName); // throws OpenError before anything of the slot changes
      const { sessions } = await start();
      sessions.releaseSlot(slot);
      opened.set(slot, m);
      return m.info;
    },
    async closeModel(slot) {
      if (!opened.delete(slot)) return;
      (await start()).sessions.releaseSlot(slot);
    },
    analyse: (req: AnalysisRequest) =>
      guard(async () => {
        const slot = req.slot ?? 'a';
        slots.announce(slot, req.id);
        const { sessions } = await start();
        if (req.opened) {
          const onStage = (stage: 'compiling' | 'running') => emit({ kind: 'stage', slot, id: req.id, stage });
          const { result, held } = await analyseOpened(sessions, openedFor(slot, req.opened.key), { ...req, opened: req.opened }, () => slots.isStale(slot, req.id), onStage);
          slots.keep(slot, held, null);
          return Comlink.transfer(result, transferables(result));
        }
        const onStage = (stage: 'compiling' | 'running') => emit({ kind: 'stage', slot, id: req.id, stage });
        // A slot with a training job of this architecture shows the job's weights of now.
        const trained = (await jobs?.weightsFor(slot, req.spec)) ?? undefined;
        const { result, held: maps } = await analyse(sessions, req, () => slots.isStale(slot, req.id), onStage, trained);
        if (slots.keep(slot, maps, req.spec.seed)) keepWeightsOfSeeds(slots.seeds());
        return Comlink.transfer(result, transferables(result));
      }),
    async map(id: number, view: ViewRef) {
      const source = slots.mapsOf(id);
      const m = source ? mapView(source, view) : null;
      return m ? Comlink.transfer(m, [m.values.buffer as ArrayBuffer]) : null;
    },
    async serving(req) {
      const tryFlops = (T: number) => {
        try {
          return flopsAt(req.spec, 'fast', T);
        } catch {
          return null;
        }
      };
      return { model: servingModel(req.spec), flopsAt: req.lengths.map((T) => ({ T, flops: tryFlops(T) })), budgetBytes: MEMORY_BUDGET_BYTES };
    },
    async stats(req: AnalysisRequest) {
      return modelStats(req.spec, req.tokens.length);
    },
    async exportOnnx(spec, T, mode) {
      const stats = modelStats(spec, T);
      if (stats.over) throw new BudgetError(stats);
      const bytes = toOnnxBytes(compile(spec, { T, mode }));
      return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
    },
    async supersede(id: number, slot: ModelSlot = 'a') {
      slots.announce(slot, id);
    },
    latency: (req, mode) =>
      guard(async () => {
        const slot = req.slot ?? 'a';
        if (req.opened) return timeOpened((await start()).sessions, openedFor(slot, req.opened.key), { ...req, opened: req.opened }, mode, () => slots.isStale(slot, req.id), req.tokens.length || slots.mapsOf(req.id)?.T);
        return timeMode((await start()).sessions, req, mode, () => slots.isStale(slot, req.id));
      }),
    breakdown: (req) => guard(async () => breakdown((await start()).rt, req.spec, req.tokens)),
    sweep: (req, onProgress) =>
      guard(async () => {
        if (activeSweep) activeSweep.cancelled = true;
        const control = { cancelled: false };
        activeSweep = control;
        try {
          const { rt } = await start();
          const runtimes = rt.backend.provider === 'webgpu' ? [(wasmRuntime ??= rt.wasmSibling()), rt] : [rt];
          // Progress is a message to the page: never wait for it, never fail on it.
          const report = (p: Parameters<typeof onProgress>[0]) => void Promise.resolve(onProgress(p)).catch(() => undefined);
          return await sweep(runtimes, req, { cancelled: () => control.cancelled, onProgress: report });
        } finally {
          if (activeSweep === control) activeSweep = null;
          (onProgress as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
        }
      }),
    async cancelSweep() {
      if (activeSweep) activeSweep.cancelled = true;
    },
    decodeSweep: (req, onProgress) =>
      guard(async () => {
        if (activeDecodeSweep) activeDecodeSweep.cancelled = true;
        const control = { cancelled: false };
        activeDecodeSweep = control;
        try {
          const { rt } = await start();
          // Progress is a message to the page: never wait for it, never fail on it.
          const report = (p: Parameters<typeof onProgress>[0]) => void Promise.resolve(onProgress(p)).catch(() => undefined);
          return await decodeSweep(rt, req, { cancelled: () => control.cancelled, onProgress: report });
        } finally {
          if (activeDecodeSweep === control) activeDecodeSweep = null;
          (onProgress as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
        }
      }),
    async cancelDecodeSweep() {
      if (activeDecodeSweep) activeDecodeSweep.cancelled = true;
    },
    continueText: (req, onProgress) =>
      guard(async () => {
        const slot = req.slot ?? 'a';
        const { rt } = await start();
        // Progress is a message to the page: never wait for it, never fail on it.
        const report = (p: ContinueProgress) => void Promise.resolve(onProgress?.(p)).catch(() => undefined);
        try {
          // A slot with a training job of this architecture continues with the job's weights of now.
          const trained = (await jobs?.weightsFor(slot, req.spec)) ?? undefined;
          return await continueText((bytes) => rt.load(bytes, { optimize: false }), req, () => slots.isStale(slot, req.id), report, trained);
        } finally {
          (onProgress as Partial<Comlink.ProxyMethods> | undefined)?.[Comlink.releaseProxy]?.();
        }
      }),
    evictionCost: (req, onProgress) =>
      guard(async () => {
        const slot = req.slot ?? 'a';
        const { rt } = await start();
        const report = (p: EvictionCostProgress) => void Promise.resolve(onProgress?.(p)).catch(() => undefined);
        try {
          // A slot with a training job of this architecture runs on the job's weights of now, and scores its task.
          const inputs = await jobs?.weightsFor(slot, req.spec);
          const recipe = jobs?.state(slot)?.recipe;
          const trained = inputs && recipe ? { inputs, recipe } : undefined;
          return await runEvictionCost((bytes) => rt.load(bytes, { optimize: false }), req, () => slots.isStale(slot, req.id), report, trained);
        } finally {
          (onProgress as Partial<Comlink.ProxyMethods> | undefined)?.[Comlink.releaseProxy]?.();
        }
      }),
    reduceTokens: (req) =>
      guard(async () => {
        const slot = req.slot ?? 'a';
        const { rt } = await start();
        const trained = (await jobs?.weightsFor(slot, req.spec)) ?? undefined;
        return reduceTokens((bytes) => rt.load(bytes, { optimize: false }), req, () => slots.isStale(slot, req.id), trained);
      }),
    train: (req, onProgress) =>
      guard(async () => {
        try {
          // Progress is a message to the page: never wait for it, never fail on it.
          const report = (p: Parameters<typeof onProgress>[0]) => void Promise.resolve(onProgress(p)).catch(() => undefined);
          return await (await jobsOf()).train(req, report);
        } finally {
          (onProgress as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
        }
      }),
    async pauseTraining(slot) {
      jobs?.pause(slot);
    },
    async resumeTraining(slot) {
      jobs?.resume(slot);
    },
    async stopTraining(slot) {
      await jobs?.stop(slot);
    },
    async resetTraining(slot) {
      await jobs?.reset(slot);
    },
    async trainedWeights(slot) {
      const w = (await jobs?.trainedWeights(slot)) ?? null;
      return w ? Comlink.transfer(w, w.weights.map((x) => x.data.buffer as ArrayBuffer)) : null;
    },
    restoreTraining: (slot, req) =>
      guard(async () => {
        const { id, step } = await (await jobsOf()).restore(slot, req);
        return { job: id, step };
      }),
    exportTrained: (slot, mode, T) =>
      guard(async () => {
        const state = jobs?.state(slot);
        const w = await jobs?.trainedWeights(slot);
        if (!state || !w) throw new Error(`model ${slot.toUpperCase()} has no trained weights: train it (or import a trained model) first`);
        const stats = modelStats(state.spec, T);
        if (stats.over) throw new BudgetError(stats);
        // The file's writer is training code: a chunk of its own, like the jobs.
        const { trainedOnnx } = await import('../src/train/trainedFile');
        const bytes = trainedOnnx(state.spec, state.recipe, w.step, w.weights, { T, mode });
        return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
      }),
    runExperiment: (exp, done, onProgress) =>
      guard(async () => {
        try {
          // Progress is a message to the page: never wait for it, never fail on it.
          const report = (p: Parameters<typeof onProgress>[0]) => void Promise.resolve(onProgress(p)).catch(() => undefined);
          return await (await experimentsOf()).run(exp, done, report);
        } finally {
          (onProgress as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
        }
      }),
    async stopExperiment() {
      experiments?.stop();
    },
  };

  Comlink.expose(api);
}

/** Holds the Web Lock named after this worker until it dies (resolves once held; at once where there are no locks). */
function holdLifeLock(scope: WorkerScope): Promise<void> {
  const locks = scope.navigator.locks;
  if (!locks || !scope.name) return Promise.resolve();
  return new Promise((held) => {
    void locks.request(scope.name, () => {
      held();
      return new Promise<never>(() => {}); // never released while the worker lives
    });
  });
}

/** Counts the threads onnxruntime-web's WASM module spawns: each Emscripten pthread is a Worker. */
function countThreads(): () => number {
  let spawned = 0;
  const NativeWorker = globalThis.Worker;
  if (NativeWorker) {
    globalThis.Worker = class extends NativeWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        spawned++;
      }
    };
  }
  return () => spawned;
}

/**
 * Keeps the WebAssembly memories the module creates (a threaded build creates its heap in
 * JavaScript, to share it with its threads), so their size can be read; null when none was seen.
 */
function watchMemories(): () => number | null {
  const seen: WebAssembly.Memory[] = [];
  const Native = WebAssembly.Memory;
  WebAssembly.Memory = class extends Native {
    constructor(descriptor: WebAssembly.MemoryDescriptor) {
      super(descriptor);
      seen.push(this);
    }
  } as typeof WebAssembly.Memory;
  return () => (seen.length ? seen.reduce((s, m) => s + m.buffer.byteLength, 0) : null);
}

/**
 * Reports the download of .wasm files while the runtime starts: wraps fetch and counts the bytes
 * of a clone of each .wasm response as they arrive. The response itself goes to onnxruntime-web
 * untouched, so `WebAssembly.instantiateStreaming` sees the browser's own Response (its URL, from
 * the HTTP cache on a later visit): Chromium then caches the compiled module and a later visit
 * skips compiling it. A Response rebuilt from a counted stream has no URL and gets neither.
 * Returns the function that puts fetch back.
 */
function reportDownloads(scope: WorkerScope, onProgress: (loaded: number, total: number | null) => void): () => void {
  const native = scope.fetch;
  scope.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await native(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (!url.split('?')[0]!.endsWith('.wasm') || !response.ok || !response.body) return response;
    const total = Number(response.headers.get('content-length')) || null;
    onProgress(0, total);
    void countBytes(response.clone().body!, (loaded) => onProgress(loaded, total));
    return response;
  };
  return () => {
    scope.fetch = native;
  };
}

/** Reads `body` to its end, telling `onBytes` the bytes so far after each chunk (a failed read just stops counting). */
async function countBytes(body: ReadableStream<Uint8Array>, onBytes: (loaded: number) => void): Promise<void> {
  const reader = body.getReader();
  let loaded = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      loaded += value.byteLength;
      onBytes(loaded);
    }
  } catch {
    // the original response reports its own failure to onnxruntime-web
  }
}
