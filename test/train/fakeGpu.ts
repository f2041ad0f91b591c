/**
 * A fake WebGPU onnxruntime for the trainer's tests: onnxruntime-node underneath (so its numbers
 * are the CPU runtime's, bit for bit), with outputs named in `preferredOutputLocation` handed back
 * as "GPU" tensors that behave like onnxruntime-web's: location 'gpu-buffer', a downloader that
 * turns the tensor into a CPU one (onnxruntime-common's getData), a disposer that frees the
 * buffer, and Tensor.fromGpuBuffer. It records what the trainer does with them: which inputs came
 * from the GPU or from the CPU, downloads, disposals, buffers alive, and a use after dispose.
 */
import * as ortNode from 'onnxruntime-node';
import type { OrtLike, OrtTensor } from '../../src/train/trainer';

const node = ((ortNode as unknown as { default?: typeof ortNode }).default ?? ortNode) as typeof ortNode;

/** A buffer on the fake GPU. */
interface Buffer {
  id: number;
  data: Float32Array;
  dims: readonly number[];
  freed: boolean;
}

export interface GpuLog {
  /** Downloads throw from now on (a lost device). */
  lost: boolean;
  /** Per run of the step session: input names fed from the GPU, and from the CPU. */
  runs: { gpu: string[]; cpu: string[] }[];
  downloads: number;
  disposed: number;
  alive: Set<Buffer>;
  /** Session options given to create, in order. */
  options: object[];
}

class CpuTensor implements OrtTensor {
  readonly location = 'cpu';
  constructor(
    readonly type: 'float32' | 'int64',
    readonly data: Float32Array | BigInt64Array,
    readonly dims: readonly number[],
  ) {}
  async getData() {
    return this.data;
  }
  dispose() {}
}

class GpuTensor implements OrtTensor {
  location: 'gpu-buffer' | 'cpu' | 'none' = 'gpu-buffer';
  private cpu?: Float32Array;
  constructor(
    private readonly buffer: Buffer,
    private readonly log: GpuLog,
    /** Whether disposing frees the buffer (an output owns it; a fromGpuBuffer view does not). */
    private readonly owns: boolean,
  ) {}
  get gpuBuffer(): Buffer {
    return this.buffer;
  }
  /** What a run reads: the buffer while on the GPU, the downloaded copy after. */
  contents(): { gpu: boolean; data: Float32Array; dims: readonly number[] } {
    if (this.location === 'none') throw new Error('a disposed tensor was fed');
    if (this.location === 'cpu') return { gpu: false, data: this.cpu!, dims: this.buffer.dims };
    if (this.buffer.freed) throw new Error(`GPU buffer ${this.buffer.id} was used after it was freed`);
    return { gpu: true, data: this.buffer.data, dims: this.buffer.dims };
  }
  async getData() {
    if (this.location === 'cpu') return this.cpu!;
    const { data } = this.contents();
    await Promise.resolve(); // a download takes a turn
    if (this.log.lost) throw new Error('the device was lost (fake)');
    this.log.downloads++;
    this.cpu = Float32Array.from(data);
    this.location = 'cpu'; // as onnxruntime-common does after a download
    return this.cpu;
  }
  dispose() {
    if (this.owns && !this.buffer.freed) {
      this.buffer.freed = true;
      this.log.alive.delete(this.buffer);
      this.log.disposed++;
    }
    this.location = 'none';
  }
}

export interface FakeGpu {
  ort: OrtLike;
  log: GpuLog;
  /** Makes the step session's run number `n` (1-based, over all step sessions) throw. */
  failRun(n: number): void;
  /** Makes creating a session with provider 'webgpu' throw. */
  failCreate(): void;
  /** Makes every later download throw, as after a lost device. */
  loseDevice(): void;
}

export function fakeGpu(): FakeGpu {
  const log: GpuLog = { lost: false, runs: [], downloads: 0, disposed: 0, alive: new Set(), options: [] };
  let ids = 0;
  let failAt = -1;
  let createFails = false;
  let stepRuns = 0;
  const Tensor = class extends CpuTensor {
    static fromGpuBuffer(buffer: never, _options: { dataType: 'float32'; dims: readonly number[] }) {
      return new GpuTensor(buffer as Buffer, log, false);
    }
  };
  const ort = {
    Tensor,
    InferenceSession: {
      async create(bytes: Uint8Array, options: { executionProviders?: string[]; preferredOutputLocation?: Record<string, string> } = {}) {
        log.options.push(options);
        if (createFails && options.executionProviders?.includes('webgpu')) throw new Error('no WebGPU kernel for this graph (fake)');
        const onGpu = new Set(Object.keys(options.preferredOutputLocation ?? {}));
        const session = await node.InferenceSession.create(bytes, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
        const isStep = session.inputNames.includes('lr');
        return {
          async run(feeds: Record<string, OrtTensor>) {
            const record = { gpu: [] as string[], cpu: [] as string[] };
            const inputs: Record<string, ortNode.Tensor> = {};
            for (const [name, t] of Object.entries(feeds)) {
              if (t instanceof GpuTensor) {
                const c = t.contents();
                (c.gpu ? record.gpu : record.cpu).push(name);
                inputs[name] = new node.Tensor('float32', c.data, [...c.dims]);
              } else {
                const c = t as CpuTensor;
                record.cpu.push(name);
                inputs[name] = new node.Tensor(c.type, c.data, [...c.dims]);
              }
            }
            if (isStep) {
              log.runs.push(record);
              if (++stepRuns === failAt) throw new Error('a WebGPU step failed (fake)');
            }
            const out = await session.run(inputs);
            const result: Record<string, OrtTensor> = {};
            for (const [name, t] of Object.entries(out)) {
              const data = t.data as Float32Array;
              if (onGpu.has(name)) {
                const buffer: Buffer = { id: ++ids, data: Float32Array.from(data), dims: [...t.dims], freed: false };
                log.alive.add(buffer);
                result[name] = new GpuTensor(buffer, log, true);
              } else result[name] = new CpuTensor('float32', data, t.dims);
            }
            return result;
          },
          release: () => session.release(),
        };
      },
    },
  };
  return {
    ort: ort as unknown as OrtLike,
    log,
    failRun: (n) => (failAt = n),
    failCreate: () => (createFails = true),
    loseDevice: () => (log.lost = true),
  };
}
