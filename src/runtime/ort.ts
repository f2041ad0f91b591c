/**
 * onnxruntime-web behind one small interface: choosing the execution provider, creating sessions,
 * running them one at a time, and timing warm runs.
 *
 * The onnxruntime-web module is passed in, never imported here: the WASM worker loads the
 * WASM-only build (`onnxruntime-web/wasm`, a 14 MB module) and the WebGPU worker the WebGPU build
 * (`onnxruntime-web`, 28 MB), so a page that never uses WebGPU never downloads it.
 *
 * WebGPU is used when asked for, an adapter exists and a session can be created on it; otherwise
 * WASM, with the reason kept so the UI can say why. All runs of one runtime are chained through a
 * queue: onnxruntime-web refuses a second run on a session that is still running.
 */
import type * as Ort from 'onnxruntime-web';
import { median } from '../analysis/spread';

/** An onnxruntime-web module: the default (WebGPU + WASM) build or the WASM-only one. */
export type OrtModule = typeof Ort;

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
  /** The onnxruntime-web module to run on. */
  ort: OrtModule;
  /** URL prefix where the ort-wasm-*.{mjs,wasm} files are served (browser only). */
  wasmPaths?: string;
  /** WASM threads to ask for. */
  numThreads: number;
  /** Try WebGPU first when an adapter exists. */
  preferWebGpu: boolean;
  /** Why WebGPU cannot be used here, or null when there is an adapter (asked only when preferWebGpu). */
  webGpuUnavailable?: () => Promise<string | null>;
}

/** An output tensor as plain data. */
export interface OutputTensor {
  dims: number[];
  data: Float32Array;
}

/** An input tensor as plain data; its element type follows the array (float32, int64, int32 or bool). */
export interface InputTensor {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
}

/** Warm-run wall times in ms and their median (NaN when stopped before the first). */
export interface Timing {
  medianMs: number;
  samplesMs: number[];
}

/** How to create a session. */
export interface LoadOptions {
  /**
   * onnxruntime's graph optimisations. Worth it for a graph that is timed or run many times; a
   * graph run once (the inspect graph after an edit) is ready sooner without them, and its
   * outputs are the same.
   */
  optimize: boolean;
}

/** A model loaded into a session. */
export interface LoadedModel {
  /**
   * The graph's inputs besides `tokens`: its weights, for a graph compiled with weights as inputs
   * (docs/graph-outputs.md); empty when they are baked in. Every run feeds them the values last
   * given to `setWeights`.
   */
  readonly weightNames: readonly string[];
  /**
   * Feeds `weights` (by name) to every later run, in place of the values given before; runs
   * already queued keep theirs. The session is not rebuilt: a new seed or trained weights cost a
   * copy into the runtime per run, not a session. Rejects a name the graph does not take; a run
   * before every weight has values rejects, naming the missing ones.
   */
  setWeights(weights: readonly InputTensor[]): Promise<void>;
  run(tokens: readonly number[]): Promise<Record<string, OutputTensor>>;
  /**
   * One run of a graph whose inputs are not only tokens (an opened model: ids, mask, pixels), the
   * weights given to `setWeights` added. With `fetch`, only those outputs are read back; numeric
   * outputs of other types come back as float32.
   */
  runInputs(inputs: readonly InputTensor[], fetch?: readonly string[]): Promise<Record<string, OutputTensor>>;
  /**
   * Median wall time in ms of `runs` warm runs (after one warm-up run). `stop`, when given, is
   * asked before each run, after one turn of the event loop (so a message that sets it lands):
   * once it says true the timing ends with the runs made so far.
   */
  time(tokens: readonly number[], runs: number, stop?: () => boolean): Promise<Timing>;
  /** The same as `time` for a graph whose inputs are not tokens (a block's sub-graph). */
  timeInputs(inputs: readonly InputTensor[], runs: number, stop?: () => boolean): Promise<Timing>;
  release(): Promise<void>;
}

/** onnxruntime tensors of plain inputs. */
function inputFeeds(ort: OrtModule, inputs: readonly InputTensor[]): Record<string, Ort.Tensor> {
  const type = (d: InputTensor['data']) => (d instanceof Float32Array ? 'float32' : d instanceof BigInt64Array ? 'int64' : d instanceof Int32Array ? 'int32' : 'bool');
  return Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor(type(t.data), t.data, t.dims)]));
}

/** A macrotask turn: a WASM run settles in microtasks, so messages (a cancel) wait for one of these. */
export const nextTask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * One warm-up run of `run`, then up to `runs` timed runs: every run's wall time in ms and their
 * median. Each run's output goes to `release` outside the timed part. With `stop`, the event loop
 * turns once before each run (also outside it), so a message that sets it lands. The page's
 * figures and the benchmarks (scripts/bench/) time this way.
 */
export async function timeRuns<T>(run: () => Promise<T>, runs: number, stop?: () => boolean, release: (out: T) => void = () => {}): Promise<Timing> {
  release(await run());
  const samplesMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (stop && (await nextTask(), stop())) break;
    const t0 = performance.now();
    const out = await run();
    samplesMs.push(performance.now() - t0);
    release(out);
  }
  return { medianMs: median(samplesMs), samplesMs };
}

/** timeRuns of `session` on `feeds`, each output released at once. */
const timeFeeds = (session: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>, runs: number, stop?: () => boolean): Promise<Timing> =>
  timeRuns(() => session.run(feeds), runs, stop, (o) => Object.values(o).forEach((t) => t.dispose()));

/** A started runtime: one provider, one queue of runs. */
export class Runtime {
  private constructor(
    private readonly ort: OrtModule,
    public backend: BackendInfo,
    /** The queue of runs, shared with sibling runtimes: one onnxruntime-web module runs one session at a time, whatever its provider. */
    private readonly runs: { queue: Promise<unknown> } = { queue: Promise.resolve() },
  ) {}

  /**
   * A runtime that always uses WASM, beside this one (for measuring WASM next to WebGPU). It
   * shares this runtime's queue: onnxruntime-web refuses to start a run while another session of
   * the module is running ("Session already started").
   */
  wasmSibling(): Runtime {
    return new Runtime(this.ort, { ...this.backend, provider: 'wasm', fallbackReason: 'WebGPU was not requested' }, this.runs);
  }

  /** Configures onnxruntime-web and picks the provider (WebGPU is confirmed on the first load). */
  static async start(opts: RuntimeOptions): Promise<Runtime> {
    const { ort } = opts;
    if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
    ort.env.wasm.numThreads = opts.numThreads;
    ort.env.logLevel = 'error';
    const reason = !opts.preferWebGpu ? 'WebGPU was not requested' : opts.webGpuUnavailable ? await opts.webGpuUnavailable() : 'no way to look for a WebGPU adapter was given';
    return new Runtime(ort, {
      provider: reason === null ? 'webgpu' : 'wasm',
      threads: opts.numThreads,
      crossOriginIsolated: Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated),
      fallbackReason: reason,
    });
  }

  /**
   * Runs `task` alone on this runtime's queue of runs, after every run already queued: how work on
   * sessions made outside `load` (a training job's step, workers/jobs.ts) takes turns with the
   * analyses, since the module runs one session at a time.
   */
  exclusive<R>(task: () => Promise<R>): Promise<R> {
    return this.enqueue(task);
  }

  private enqueue<R>(task: () => Promise<R>): Promise<R> {
    const next = this.runs.queue.then(task, task);
    this.runs.queue = next.catch(() => undefined);
    return next;
  }

  private async session(bytes: Uint8Array, { optimize }: LoadOptions): Promise<Ort.InferenceSession> {
    const { ort } = this;
    const create = (ep: Provider) =>
      ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: optimize ? 'all' : 'disabled', logSeverityLevel: 3 });
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
  load(bytes: Uint8Array, opts: LoadOptions = { optimize: true }): Promise<LoadedModel> {
    return this.enqueue(async () => {
      const session = await this.session(bytes, opts);
      const weightNames = session.inputNames.filter((n) => n !== 'tokens');
      let weights: Record<string, Ort.Tensor> = {};
      const setWeights = (given: readonly InputTensor[]) => {
        const unknown = given.filter((w) => !weightNames.includes(w.name)).map((w) => w.name);
        if (unknown.length) throw new Error(`the graph takes no weight input named ${unknown.join(', ')}`);
        weights = { ...weights, ...inputFeeds(this.ort, given) }; // a new record: queued runs keep the old one
      };
      const feeds = (tokens: readonly number[]) => {
        const missing = weightNames.filter((n) => !weights[n]);
        if (missing.length) throw new Error(`no values fed for the weight inputs ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
        return { ...weights, ...inputFeeds(this.ort, [{ name: 'tokens', dims: [1, tokens.length], data: BigInt64Array.from(tokens, (t) => BigInt(t)) }]) };
      };
      const read = async (out: Record<string, Ort.Tensor>) => {
        const result: Record<string, OutputTensor> = {};
        for (const [name, t] of Object.entries(out)) {
          const data = await t.getData(true);
          result[name] = { dims: [...t.dims], data: data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number | bigint>, Number) };
        }
        return result;
      };
      const runOnce = async (tokens: readonly number[]) => read(await session.run(feeds(tokens)));
      const runInputs = async (inputs: readonly InputTensor[], fetch?: readonly string[]) => {
        const given = { ...weights, ...inputFeeds(this.ort, inputs) };
        return read(await (fetch ? session.run(given, [...fetch]) : session.run(given)));
      };
      return {
        weightNames,
        setWeights: (given) => this.enqueue(async () => setWeights(given)),
        run: (tokens) => this.enqueue(() => runOnce(tokens)),
        runInputs: (inputs, fetch) => this.enqueue(() => runInputs(inputs, fetch)),
        time: (tokens, runs, stop) => this.enqueue(() => timeFeeds(session, feeds(tokens), runs, stop)),
        timeInputs: (inputs, runs, stop) => this.enqueue(() => timeFeeds(session, inputFeeds(this.ort, inputs), runs, stop)),
        release: () => this.enqueue(() => session.release()),
      };
    });
  }

  /**
   * The WebGPU device sessions run on, once a WebGPU session exists (null on WASM). Its `lost`
   * promise says when the GPU went away (driver reset, device destroyed).
   */
  async webGpuDevice(): Promise<GpuDeviceLike | null> {
    if (this.backend.provider !== 'webgpu') return null;
    try {
      return ((await this.ort.env.webgpu.device) as GpuDeviceLike | undefined) ?? null;
    } catch {
      return null; // onnxruntime-web throws when no WebGPU session has been created yet
    }
  }
}

/** The part of a GPUDevice the runtime watches. */
export interface GpuDeviceLike {
  lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}
