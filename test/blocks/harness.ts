/**
 * The checks every block gets: compiled alone and inside a 3-layer model, run by onnxruntime-web
 * (Node, WASM), it matches the float64 reference (test/reference) to 1e-4 on logits and every probe
 * in inspect mode; the fast path matches the reference's logits too. Also helpers to draw random
 * parameters from a block's schema for property tests.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { ParamInfo } from '../../src/blocks/define';
import { BLOCKS, findBlock } from '../../src/blocks/registry';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';
import type { BlockRef, LayerSpec, Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { expectClose, nodeRuntime, weightsOf } from '../helpers';
import { referenceForward } from '../reference/forward64';

export const TEXT = 'Attention is all you need, they said.';

/** What to put where: any of a layer's slots, and the model's position block. */
export interface Placement {
  mixer?: BlockRef;
  norm?: BlockRef;
  ffn?: BlockRef;
  placement?: LayerSpec['placement'];
  topology?: BlockRef;
  position?: BlockRef;
}

/**
 * A small model (d 32, 4 heads) whose only layer holds the block. A mixer that copies an earlier
 * layer's map (EchoAtt) cannot stand alone: a default (softmax-attention) layer goes before it.
 */
export function aloneSpec(put: Placement, model: Partial<Spec> = {}): Spec {
  const { position, ...layer } = put;
  const before = put.mixer && findBlock('mixer', put.mixer.kind)?.copiesMap ? [defaultLayer()] : [];
  return { ...defaultSpec(), dModel: 32, nHeads: 4, maxLen: 64, ...model, ...(position ? { position } : {}), layers: [...before, { ...defaultLayer(), ...layer }] };
}

/** A 3-layer model with the block in the middle layer (and the position block, if given, model-wide). */
export function threeLayerSpec(put: Placement, model: Partial<Spec> = {}): Spec {
  const { position, ...layer } = put;
  return {
    ...defaultSpec(),
    dModel: 32,
    nHeads: 4,
    maxLen: 64,
    ...model,
    ...(position ? { position } : {}),
    layers: [defaultLayer(), { ...defaultLayer(), ...layer }, { ...defaultLayer(), placement: 'peri' }],
  };
}

/** Compiles `spec`, runs both modes, and compares with the float64 reference. Returns the inspect outputs. */
export async function expectMatchesReference(rawSpec: Spec, text = TEXT, tol = 1e-4, fastTol = 1e-5) {
  // The reference reads parameters with their defaults filled in, as the compiler does.
  const checked = validateSpec(rawSpec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  const spec = checked.spec;
  const tokens = tokenize(text, spec.maxLen).ids;
  const T = tokens.length;
  const rt = await nodeRuntime();
  const graph = compile(spec, { T, mode: 'inspect' });
  const model = await rt.load(toOnnxBytes(graph));
  const out = await model.run(tokens);
  await model.release();
  const ref = referenceForward(spec, weightsOf(graph), tokens, VOCAB_SIZE);
  expect(out['logits']!.dims).toEqual([1, T, VOCAB_SIZE]);
  expectClose(out['logits']!.data, ref.logits, tol, 'logits');
  // One map per layer run (loops unrolled), as many as the reference computed.
  expect(Object.keys(out).filter((k) => k.startsWith('attn_probs.')).length).toBe(ref.probs.length);
  ref.probs.forEach((_, i) => {
    expect(out[`attn_probs.${i}`]!.dims).toEqual([1, spec.nHeads, T, T]);
    expectClose(out[`attn_probs.${i}`]!.data, ref.probs[i]!, tol, `attn_probs.${i}`);
    expectClose(out[`attn_entropy.${i}`]!.data, ref.entropy[i]!, tol, `attn_entropy.${i}`);
  });
  expectClose(out['resid_rms']!.data, ref.residRms, tol, 'resid_rms');
  for (const [name, values] of ref.probes) expectClose(out[name]!.data, values, tol, name);

  const fastGraph = compile(spec, { T, mode: 'fast' });
  const fast = await rt.load(toOnnxBytes(fastGraph));
  const fastOut = await fast.run(tokens);
  await fast.release();
  expect(Object.keys(fastOut)).toEqual(['logits']);
  expectClose(fastOut['logits']!.data, referenceForward(spec, weightsOf(fastGraph), tokens, VOCAB_SIZE).logits, tol, 'fast logits');
  // Chunked linear-time forms round differently from the inspect form: pass fastTol = 1e-4 for them.
  expectClose(fastOut['logits']!.data, out['logits']!.data, fastTol, 'fast vs inspect logits');
  return out;
}

/** A fast-check arbitrary for one parameter, drawn from its declared range. */
export function arbitraryParam(info: ParamInfo): fc.Arbitrary<unknown> {
  switch (info.type) {
    case 'int': return fc.integer({ min: info.min, max: info.max });
    case 'number': return fc.double({ min: info.min, max: info.max, noNaN: true, noDefaultInfinity: true });
    case 'enum': return fc.constantFrom(...info.options);
    case 'boolean': return fc.boolean();
  }
}

/** A fast-check arbitrary for all parameters of the block `kind`. */
export function arbitraryParams(kind: string): fc.Arbitrary<Record<string, unknown>> {
  const block = BLOCKS.find((b) => b.kind === kind);
  if (!block) throw new Error(`no block ${kind}`);
  return fc.record(Object.fromEntries(Object.entries(block.paramInfo).map(([k, info]) => [k, arbitraryParam(info)])));
}

/** Runs the `mode` graph of `spec` on `tokens` in onnxruntime-web (Node) and returns every output. */
export async function runGraph(spec: Spec, tokens: number[], mode: 'fast' | 'inspect') {
  const model = await (await nodeRuntime()).load(toOnnxBytes(compile(spec, { T: tokens.length, mode })));
  try {
    return await model.run(tokens);
  } finally {
    await model.release();
  }
}

/** The fast (chunked) graph and the inspect graph (y = A·v from the map) give the same logits. */
export async function expectFastMatchesInspect(spec: Spec, tokens: number[], tol = 1e-4): Promise<void> {
  const fast = (await runGraph(spec, tokens, 'fast'))['logits']!.data;
  const inspect = (await runGraph(spec, tokens, 'inspect'))['logits']!.data;
  expectClose(fast, inspect, tol, `fast vs inspect at T = ${tokens.length}`);
}
