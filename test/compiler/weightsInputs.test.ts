// compile(…, { weights: 'inputs' }): every trainable weight becomes a graph input under its name,
// constants stay initialisers, and the graph fed the seed's weights computes what the baked graph
// computes (both run in native onnxruntime-node; the baked graph against the float64 reference).
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile, SpecError } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import type { Graph } from '../../src/graph/ir';
import { findPreset } from '../../src/presets';
import { validateSpec } from '../../src/spec/schema';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { expectClose, weightsOf } from '../helpers';

const TEXT = 'weights fed in';

/** Runs `graph` in onnxruntime-node on `tokens` and `extra` feeds. */
async function runNative(graph: Graph, tokens: number[], extra: Record<string, ortNode.Tensor> = {}): Promise<Record<string, Float32Array>> {
  const session = await ortNode.InferenceSession.create(toOnnxBytes(graph));
  const out = await session.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]), ...extra });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
}

describe("compile with weights: 'inputs'", () => {
  // Presets with constant tables (RoPE, ALiBi, state-space), shared weights (a loop) and experts.
  for (const id of ['default', 'llama-style', 'alibi', 'mamba', 'mamba-hybrid', 'deltanet-hybrid', 'looped', 'moe']) {
    it(`${id}: takes every trainable weight as an input, keeps the constants, and computes what the baked graph does`, async () => {
      const spec = findPreset(id)!.spec();
      const tokens = tokenize(TEXT, spec.maxLen).ids;
      const T = tokens.length;
      const baked = compile(spec, { T, mode: 'inspect' });
      const lifted = compile(spec, { T, mode: 'inspect', weights: 'inputs' });
      const trainable = baked.initializers.filter((i) => i.trainable);
      expect(trainable.length).toBeGreaterThan(0);
      expect(lifted.inputs.map((t) => t.name)).toEqual(['tokens', ...trainable.map((i) => i.tensor.name)]);
      expect(lifted.inputs.slice(1).map((t) => t.shape)).toEqual(trainable.map((i) => i.tensor.shape));
      expect(lifted.initializers.map((i) => i.tensor.name)).toEqual(baked.initializers.filter((i) => !i.trainable).map((i) => i.tensor.name));
      expect(lifted.initializers.every((i) => !i.trainable)).toBe(true);

      const feeds = Object.fromEntries(trainable.map((i) => [i.tensor.name, new ortNode.Tensor('float32', i.data as Float32Array, [...i.tensor.shape])]));
      const fed = await runNative(lifted, tokens, feeds);
      const want = await runNative(baked, tokens);
      for (const name of Object.keys(want)) expectClose(fed[name]!, want[name]!, 1e-6, `${id} ${name}`);
      const checked = validateSpec(spec); // the reference reads every block parameter, defaults filled in
      if (!checked.ok) throw new Error(checked.errors.join('; '));
      const ref = referenceForward(checked.spec, weightsOf(baked), tokens, VOCAB_SIZE);
      expectClose(fed['logits']!, ref.logits, 1e-4, `${id} logits vs float64 reference`);
    });
  }

  it('lifts the constants of no block: the rotation tables of RoPE stay initialisers', () => {
    const spec = findPreset('llama-style')!.spec();
    const lifted = compile(spec, { T: 8, mode: 'fast', weights: 'inputs' });
    expect(lifted.initializers.length).toBeGreaterThan(0);
    expect(lifted.inputs.some((t) => t.name === 'embed.tokens')).toBe(true);
  });

  it('refuses σReparam specs with a message that says why', () => {
    const spec = findPreset('sigma-reparam')!.spec();
    expect(() => compile(spec, { T: 8, mode: 'inspect', weights: 'inputs' })).toThrow(SpecError);
    expect(() => compile(spec, { T: 8, mode: 'inspect', weights: 'inputs' })).toThrow(/σReparam.*stale σ/);
    expect(() => compile(spec, { T: 8, mode: 'inspect' })).not.toThrow();
  });
});
