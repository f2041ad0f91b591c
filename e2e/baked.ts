/** A model's map computed here, for comparing with what the page drew: the spec compiled with its weights baked in, run in onnxruntime-node. */
import * as ort from 'onnxruntime-node';
import { expect } from '@playwright/test';
import { compile } from '../src/compiler/compile';
import { toOnnxBytes } from '../src/graph/onnx';
import type { Spec } from '../src/spec/types';
import { tokenize } from '../src/spec/vocab';

/** Head 0 of layer run 0's map of `spec` on `text`, as rows. */
export async function bakedMap(spec: Spec, text: string): Promise<number[][]> {
  const ids = tokenize(text, spec.maxLen).ids;
  const T = ids.length;
  const session = await ort.InferenceSession.create(toOnnxBytes(compile(spec, { T, mode: 'inspect' })));
  const out = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, T]) });
  await session.release();
  const probs = out['attn_probs.0']!.data as Float32Array;
  return Array.from({ length: T }, (_, i) => Array.from(probs.subarray(i * T, (i + 1) * T)));
}

/** The largest absolute difference between two maps of one size. */
export function largestDifference(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}
