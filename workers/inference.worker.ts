/**
 * The inference worker: compiler and runtime behind comlink. It never sees the store; it answers
 * requests, and drops a request as soon as a newer one has been announced.
 */
import '../src/spec/noEval';
import * as Comlink from 'comlink';
import { defaultSpec } from '../src/spec/defaults';
import { Runtime } from '../src/runtime/ort';
import { compile } from '../src/compiler/compile';
import { BudgetError, modelStats } from '../src/compiler/stats';
import { toOnnxBytes } from '../src/graph/onnx';
import { analyse, mapView, transferables, type HeldMaps } from './analyse';
import type { AnalysisRequest, InferenceApi, ModelSlot, ViewRef, WorkerInfo } from './api';
import { breakdown, sweep, timeMode } from './latency';

// Count the threads onnxruntime-web's WASM module spawns: each Emscripten pthread is a Worker.
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

let runtime: Promise<Runtime> | null = null;
/** Newest request id per model slot (A, and B in compare mode): each slot's newer edit supersedes only its own work. */
const latest: Record<ModelSlot, number> = { a: -1, b: -1 };
/** Each slot's newest analysis's full maps: views ask for one (layer, head) at a time. */
const held: Record<ModelSlot, HeldMaps | null> = { a: null, b: null };
/** The newest request id of slot A, the model on screen whose latency is measured. */
const latestId = () => latest.a;

function start(): Promise<Runtime> {
  runtime ??= (async () => {
    const rt = await Runtime.start({
      wasmPaths: new URL(`${import.meta.env.BASE_URL}ort/`, self.location.origin).href,
      numThreads: Math.max(1, Math.min(4, self.navigator.hardwareConcurrency || 1)),
      preferWebGpu: true,
    });
    // Load the runtime now (and confirm the provider) with the smallest graph there is.
    const probe = await rt.load(toOnnxBytes(compile(defaultSpec(), { T: 1, mode: 'fast' })));
    await probe.release();
    return rt;
  })();
  return runtime;
}

/** A WASM-only runtime beside a WebGPU one, for the sweep's second series (one module, one queue of runs). */
let wasmRuntime: Runtime | null = null;

/** The running sweep's cancel flag (a new sweep cancels the one before). */
let activeSweep: { cancelled: boolean } | null = null;

const api: InferenceApi = {
  async init(): Promise<WorkerInfo> {
    const rt = await start();
    return { backend: rt.backend, spawnedThreads: spawned };
  },
  async analyse(req: AnalysisRequest) {
    const slot = req.slot ?? 'a';
    latest[slot] = Math.max(latest[slot], req.id);
    const rt = await start();
    const { result, held: maps } = await analyse(rt, req, () => req.id < latest[slot]);
    const before = held[slot];
    if (!before || maps.id >= before.id) held[slot] = maps;
    return Comlink.transfer(result, transferables(result));
  },
  async map(id: number, view: ViewRef) {
    const source = [held.a, held.b].find((h) => h?.id === id);
    const m = source ? mapView(source, view) : null;
    return m ? Comlink.transfer(m, [m.values.buffer as ArrayBuffer]) : null;
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
    latest[slot] = Math.max(latest[slot], id);
  },
  async latency(req, mode) {
    return timeMode(await start(), req, mode, () => req.id < latestId());
  },
  async breakdown(req) {
    return breakdown(await start(), req.spec, req.tokens);
  },
  async sweep(req, onProgress) {
    if (activeSweep) activeSweep.cancelled = true;
    const control = { cancelled: false };
    activeSweep = control;
    try {
      const main = await start();
      const runtimes = main.backend.provider === 'webgpu' ? [(wasmRuntime ??= main.wasmSibling()), main] : [main];
      // Progress is a message to the page: never wait for it, never fail on it.
      const report = (p: Parameters<typeof onProgress>[0]) => void Promise.resolve(onProgress(p)).catch(() => undefined);
      return await sweep(runtimes, req, { cancelled: () => control.cancelled, onProgress: report });
    } finally {
      if (activeSweep === control) activeSweep = null;
      (onProgress as Partial<Comlink.ProxyMethods>)[Comlink.releaseProxy]?.();
    }
  },
  async cancelSweep() {
    if (activeSweep) activeSweep.cancelled = true;
  },
};

Comlink.expose(api);
