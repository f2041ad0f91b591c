/**
 * The inference worker: compiler and runtime behind comlink. It never sees the store; it answers
 * requests, and drops a request as soon as a newer one has been announced.
 */
import * as Comlink from 'comlink';
import { defaultSpec } from '../src/spec/defaults';
import { Runtime } from '../src/runtime/ort';
import { compile } from '../src/compiler/compile';
import { modelStats } from '../src/compiler/stats';
import { toOnnxBytes } from '../src/graph/onnx';
import { analyse, mapView, transferables, type HeldMaps } from './analyse';
import type { AnalysisRequest, InferenceApi, ViewRef, WorkerInfo } from './api';

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
let latestId = -1;
/** The newest analysis's full maps: views ask for one (layer, head) at a time. */
let held: HeldMaps | null = null;

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

const api: InferenceApi = {
  async init(): Promise<WorkerInfo> {
    const rt = await start();
    return { backend: rt.backend, spawnedThreads: spawned };
  },
  async analyse(req: AnalysisRequest) {
    latestId = Math.max(latestId, req.id);
    const rt = await start();
    const { result, held: maps } = await analyse(rt, req, () => req.id < latestId);
    if (!held || maps.id >= held.id) held = maps;
    return Comlink.transfer(result, transferables(result));
  },
  async map(id: number, view: ViewRef) {
    if (!held || held.id !== id) return null;
    const m = mapView(held, view);
    return m ? Comlink.transfer(m, [m.values.buffer as ArrayBuffer]) : null;
  },
  async stats(req: AnalysisRequest) {
    return modelStats(req.spec, req.tokens.length);
  },
  async supersede(id: number) {
    latestId = Math.max(latestId, id);
  },
};

Comlink.expose(api);
