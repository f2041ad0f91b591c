// Decode graph against the forward pass: generating token by token with the decode graph must give,
// at every step t, the logits the fast forward pass gives for the last of the tokens 0 … t (the
// forward pass at that exact length: what generation without a cache computes).
import { expect } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { startDecoding } from '../../src/decode/driver';
import { toOnnxBytes } from '../../src/graph/onnx';
import type { Spec } from '../../src/spec/types';
import { nodeRuntime } from '../helpers';

/** Largest |a − b| over two arrays. */
export const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

/** The fast forward pass's last-row logits for each prefix tokens[0..t]. */
export async function forwardLastRows(spec: Spec, tokens: readonly number[]): Promise<Float32Array[]> {
  const runtime = await nodeRuntime();
  const rows: Float32Array[] = [];
  for (let t = 0; t < tokens.length; t++) {
    const model = await runtime.load(toOnnxBytes(compile(spec, { T: t + 1, mode: 'fast' })));
    const logits = (await model.run(tokens.slice(0, t + 1)))['logits']!.data;
    const V = logits.length / (t + 1);
    rows.push(logits.slice(t * V));
    await model.release();
  }
  return rows;
}

/** Decodes `tokens` one by one with the decode graph of capacity C; each step's logits. */
export async function decodeLogits(spec: Spec, tokens: readonly number[], C: number): Promise<Float32Array[]> {
  const runtime = await nodeRuntime();
  const model = await runtime.load(toOnnxBytes(compile(spec, { T: C, mode: 'decode' })));
  const run = startDecoding(model, spec, C);
  const out: Float32Array[] = [];
  for (const token of tokens) out.push((await run.step(token)).logits.slice());
  await model.release();
  return out;
}

/** Every step of decoding equals the forward pass at that length, to `tol`. */
export async function expectDecodeMatchesForward(spec: Spec, tokens: readonly number[], C = tokens.length, tol = 1e-4): Promise<void> {
  const [decoded, forward] = await Promise.all([decodeLogits(spec, tokens, C), forwardLastRows(spec, tokens)]);
  const worst = Math.max(...decoded.map((d, t) => maxDiff(d, forward[t]!)));
  expect(worst, 'largest |decode − forward| over every step and logit').toBeLessThanOrEqual(tol);
  // The logits move from step to step: the comparison is not of constants.
  expect(maxDiff(forward[0]!, forward[forward.length - 1]!)).toBeGreaterThan(1e-3);
}
