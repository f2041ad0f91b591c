/**
 * The only importer of onnxruntime-web: choosing the execution provider, creating sessions,
 * running them one at a time, and timing warm runs.
 *
 * WebGPU is used when an adapter exists and a session can be created on it; otherwise WASM, with
 * the reason kept so the UI can say why. All runs of one runtime are chained through a queue:
 * onnxruntime-web refuses a second run on a session that is still running.
 */
import * as ort from 'onnxruntime-web';

export type Provider = 'wasm' | 'webgpu';

/** The backend in use, as the UI shows it. */
export interface BackendInfo {
  provider: Provider;
  /** WASM threads onnxruntime-web runs with after its own checks (1 when not cross-origin isolated). */
  threads: number;
  crossOriginIsolated: boolean;
  /** Why WebGPU is not used, when it is not. */
  fallbackReason: string | null;
}

/** How to start the runtime. */
export interface RuntimeOptions {
  /** URL prefix where the ort-wasm-*.{mjs,wasm} files are served (browser only). */
  wasmPaths?: string;
  /** WASM threads to ask for. */
  numThreads: number;
  /** Try WebGPU first when an adapter exists. */
  preferWebGpu: boolean;
}

/** An output tensor as plain data. */
export interface OutputTensor {
  dims: number[];
  data: Float32Array;
}

/** A model loaded into a session. */
export interface LoadedModel {
  run(tokens: readonly number[]): Promise<Record<string, OutputTensor>>;
  /** Median wall time in ms of `runs` warm runs (after one warm-up run). */
  time(tokens: readonly number[], runs: number): Promise<{ medianMs: number; samplesMs: number[] }>;
  release(): Promise<void>;
}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

async function webGpuAdapterReason(): Promise<string | null> {
  const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
  if (!gpu) return 'this browser has no WebGPU';
  try {
    return (await gpu.requestAdapter()) ? null : 'no WebGPU adapter is available';
  } catch (e) {
    return `requesting a WebGPU adapter failed: ${String(e)}`;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A started runtime: one provider, one queue of runs. */
export class Runtime {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(public backend: BackendInfo) {}

  /** Configures onnxruntime-web and picks the provider (WebGPU is confirmed on the first load). */
  static async start(opts: RuntimeOptions): Promise<Runtime> {
    if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
    ort.env.wasm.numThreads = opts.numThreads;
    ort.env.logLevel = 'error';
    const reason = opts.preferWebGpu ? await webGpuAdapterReason() : 'WebGPU was not requested';
    return new Runtime({
      provider: reason === null ? 'webgpu' : 'wasm',
      threads: opts.numThreads,
      crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
      fallbackReason: reason,
    });
  }

  private enqueue<R>(task: () => Promise<R>): Promise<R> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async session(bytes: Uint8Array): Promise<ort.InferenceSession> {
    const create = (ep: Provider) =>
      ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
    if (this.backend.provider === 'webgpu') {
      try {
        return await create('webgpu');
      } catch (e) {
        this.backend = { ...this.backend, provider: 'wasm', fallbackReason: `WebGPU session failed: ${String(e)}` };
      }
    }
    const s = await create('wasm');
    // onnxruntime-web writes back 1 here when threads are not possible (no cross-origin isolation).
    this.backend = { ...this.backend, threads: ort.env.wasm.numThreads ?? 1 };
    return s;
  }

  /** Loads ONNX bytes into a session on the chosen provider. */
  load(bytes: Uint8Array): Promise<LoadedModel> {
    return this.enqueue(async () => {
      const session = await this.session(bytes);
      const feeds = (tokens: readonly number[]) => ({
        tokens: new ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [1, tokens.length]),
      });
      const runOnce = async (tokens: readonly number[]) => {
        const out = await session.run(feeds(tokens));
        const result: Record<string, OutputTensor> = {};
        for (const [name, t] of Object.entries(out)) {
          result[name] = { dims: [...t.dims], data: (await t.getData(true)) as Float32Array };
        }
        return result;
      };
      return {
        run: (tokens) => this.enqueue(() => runOnce(tokens)),
        time: (tokens, runs) =>
          this.enqueue(async () => {
            const f = feeds(tokens);
            const dispose = (o: ort.InferenceSession.ReturnType) => Object.values(o).forEach((t) => t.dispose());
            dispose(await session.run(f));
            const samplesMs: number[] = [];
            for (let i = 0; i < runs; i++) {
              const t0 = performance.now();
              const o = await session.run(f);
              samplesMs.push(performance.now() - t0);
              dispose(o);
            }
            return { medianMs: median(samplesMs), samplesMs };
          }),
        release: () => this.enqueue(() => session.release()),
      };
    });
  }
}
