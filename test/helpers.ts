/** Test helpers: running compiled graphs in onnxruntime-web (Node, WASM) and comparing arrays. */
import { expect } from 'vitest';
import * as ort from 'onnxruntime-web';
import { Runtime } from '../src/runtime/ort';
import type { Graph } from '../src/graph/ir';
import { toOnnxBytes } from '../src/graph/onnx';
import { Sessions } from '../workers/sessions';
import { Rng } from '../src/train/random';

let runtime: Promise<Runtime> | null = null;

/** One single-threaded WASM runtime shared by a test file. */
export function nodeRuntime(): Promise<Runtime> {
  runtime ??= Runtime.start({ ort, numThreads: 1, preferWebGpu: false });
  return runtime;
}

/**
 * Runs `graph` (compiled with batch = rows.length) on token rows of one length, fed as int64
 * [B, T], in onnxruntime-web (Node, WASM) on the shared runtime's settings; every output by name.
 */
export async function runBatch(graph: Graph, rows: readonly (readonly number[])[]): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  await nodeRuntime(); // sets onnxruntime-web up (one thread, quiet)
  const T = rows[0]!.length;
  if (rows.some((r) => r.length !== T)) throw new Error('runBatch: every row needs the same length');
  const session = await ort.InferenceSession.create(toOnnxBytes(graph), { executionProviders: ['wasm'] });
  try {
    const tokens = new ort.Tensor('int64', BigInt64Array.from(rows.flat(), (t) => BigInt(t)), [rows.length, T]);
    const out = await session.run({ tokens });
    return Object.fromEntries(Object.entries(out).map(([name, t]) => [name, { dims: [...t.dims], data: t.data as Float32Array }]));
  } finally {
    await session.release();
  }
}

/** A fresh session cache on the shared runtime, as a worker keeps one. */
export async function nodeSessions(): Promise<Sessions> {
  return new Sessions(await nodeRuntime());
}

/** The float64 values of a graph's initialiser, by weight name. */
export function weightsOf(graph: Graph): (name: string) => Float64Array {
  return (name) => {
    const init = graph.initializers.find((i) => i.tensor.name === name);
    if (!init || !(init.data instanceof Float32Array)) throw new Error(`no float weight named ${name}`);
    return Float64Array.from(init.data);
  };
}

/** Asserts |a − b| ≤ tol · max(1, |b|) element-wise (relative where values are large). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${what}: worst error at index ${at} (got ${actual[at]}, want ${expected[at]})`).toBeLessThanOrEqual(tol);
}

/** A seeded uniform generator in [0, 1) for test data (the tasks' SplitMix32, src/train/random.ts), so failures reproduce. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.float();
}
