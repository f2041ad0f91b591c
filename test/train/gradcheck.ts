/**
 * Gradient check of a whole model: the `grad` graph, run by onnxruntime-web, against float64
 * central finite differences of the float64 reference forward pass (test/reference/forward64.ts,
 * written from the papers' math, sharing nothing with the emitters or the rules).
 *
 * For each trainable weight tensor: up to `samples` of its entries (chosen at random, always
 * including the largest gradients) and one random direction over the whole tensor. The relative
 * error ‖g − g_fd‖ / ‖g_fd‖ over what was checked must be ≤ tol.
 */
import { expect } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { validateSpec } from '../../src/spec/schema';
import { gradGraph, initialState } from '../../src/train/step';
import { compile } from '../../src/compiler/compile';
import { VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { rng, session } from './run';

/** Below this size a gradient counts as zero: its error is measured absolutely (e.g. a key bias, to which softmax is blind). */
const FLOOR = 1e-3;

export interface Batch {
  tokens: number[][];
  targets: number[][];
  mask: number[][];
}

/** B rows of T random tokens, random targets and a mask with about half the positions scored (at least one). */
export function randomBatch(B: number, T: number, seed: number): Batch {
  const r = rng(seed);
  const row = () => Array.from({ length: T }, () => 2 + Math.floor(r() * (VOCAB_SIZE - 2)));
  const rows = Array.from({ length: B }, () => ({ tokens: row(), targets: row(), mask: Array.from({ length: T }, (_, t) => (t === 0 || r() < 0.5 ? 1 : 0)) }));
  return { tokens: rows.map((x) => x.tokens), targets: rows.map((x) => x.targets), mask: rows.map((x) => x.mask) };
}

/** The masked mean cross-entropy of the batch under the float64 reference with weights `w`. */
export function referenceLoss(spec: Spec, w: (name: string) => Float64Array, batch: Batch): number {
  let sum = 0;
  let count = 0;
  batch.tokens.forEach((tokens, b) => {
    const { logits } = referenceForward(spec, w, tokens, VOCAB_SIZE);
    tokens.forEach((_, t) => {
      if (!batch.mask[b]![t]) return;
      const row = logits.subarray(t * VOCAB_SIZE, (t + 1) * VOCAB_SIZE);
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += lse - row[batch.targets[b]![t]!]!;
      count++;
    });
  });
  return sum / Math.max(count, 1);
}

export const feedsOf = (batch: Batch) => ({
  tokens: BigInt64Array.from(batch.tokens.flat(), (v) => BigInt(v)),
  targets: BigInt64Array.from(batch.targets.flat(), (v) => BigInt(v)),
  loss_mask: Float32Array.from(batch.mask.flat()),
});

export interface GradientCheckOptions {
  T?: number;
  B?: number;
  samples?: number;
  tol?: number;
  seed?: number;
  /** Check a training step's forward pass (compile option `training`) at this step number. */
  step?: number;
  /** The float64 loss to differentiate numerically (default: referenceLoss of the spec). */
  reference?: (spec: Spec, w: (name: string) => Float64Array, batch: Batch) => number;
}

/** Checks every trainable weight's gradient; returns the worst relative error by weight. */
export async function expectGradientsMatch(rawSpec: Spec, { T = 8, B = 2, samples = 8, tol = 1e-3, seed = 1, step, reference = referenceLoss }: GradientCheckOptions = {}): Promise<Map<string, number>> {
  const checked = validateSpec(rawSpec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  const spec = checked.spec;
  const batch = randomBatch(B, T, seed);
  const training = step !== undefined;
  const graph = gradGraph(spec, { T, batch: B }, { aux: false, training }); // the reference computes the cross-entropy only
  const s = await session(graph);
  const state = Object.fromEntries(initialState(graph, graph.initializers.filter((i) => i.trainable)));
  const takesStep = graph.inputs.some((t) => t.name === 'step'); // only when a block reads it
  const out = await s.run({ ...feedsOf(batch), ...state, ...(training && takesStep ? { step: Float32Array.of(step) } : {}) });
  await s.release();

  const weights = new Map(compile(spec, { T, mode: 'fast', training }).initializers.filter((i) => i.trainable).map((i) => [i.tensor.name, Float64Array.from(i.data as Float32Array)]));
  const w = (name: string) => {
    const v = weights.get(name);
    if (!v) throw new Error(`no weight ${name}`);
    return v;
  };
  const loss = reference(spec, w, batch);
  expect(Math.abs(out['loss']!.data[0]! - loss), 'loss').toBeLessThan(1e-4 * Math.max(1, loss));

  const errors = new Map<string, number>();
  const r = rng(seed + 7);
  const h = 1e-5;
  for (const [name, values] of weights) {
    const g = out[`grad.${name}`]!.data;
    expect(g.length, name).toBe(values.length);
    const fdAt = (dir: (i: number) => number) => {
      const saved = Float64Array.from(values);
      values.forEach((v, i) => (values[i] = v + h * dir(i)));
      const up = reference(spec, w, batch);
      saved.forEach((v, i) => (values[i] = v - h * dir(i)));
      const down = reference(spec, w, batch);
      values.set(saved);
      return (up - down) / (2 * h);
    };
    // Entries: the largest gradients and a random handful.
    const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]!) - Math.abs(g[a]!));
    const picked = new Set(order.slice(0, Math.ceil(samples / 2)));
    while (picked.size < Math.min(samples, values.length)) picked.add(Math.floor(r() * values.length));
    let num = 0;
    let den = 0;
    for (const i of picked) {
      const fd = fdAt((j) => (j === i ? 1 : 0));
      num += (g[i]! - fd) ** 2;
      den += fd ** 2;
    }
    // One random direction over the whole tensor: g·u against the directional derivative.
    const u = Float64Array.from(values, () => r() - 0.5);
    const fdDir = fdAt((j) => u[j]!);
    const gDir = g.reduce((s, v, j) => s + v * u[j]!, 0);
    num += (gDir - fdDir) ** 2;
    den += fdDir ** 2;
    const err = Math.sqrt(num) / Math.max(Math.sqrt(den), FLOOR);
    if (process.env.GRAD_DEBUG) console.log(name, Math.sqrt(num).toExponential(2), Math.sqrt(den).toExponential(2));
    errors.set(name, err);
  }
  const worst = [...errors].sort((a, b) => b[1] - a[1])[0]!;
  expect(worst[1], `worst relative gradient error: ${worst[0]}`).toBeLessThanOrEqual(tol);
  return errors;
}

/**
 * A preset at small size: its blocks and options, with a narrow model dimension, and at most four
 * layers when it has no loops (GPT-2 small's twelve layers are the same layer twelve times).
 */
export function shrink(spec: Spec): Spec {
  const heads = Math.min(spec.nHeads, 4);
  const layers = spec.loops.length ? spec.layers : spec.layers.slice(0, 4);
  return { ...spec, dModel: 8 * heads, nHeads: heads, maxLen: 16, layers };
}
