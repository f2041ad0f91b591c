// The batch dimension: every block (alone in a small model) and every preset, compiled for B = 2
// and run on two different texts at once, gives for each row what the float64 reference computes
// for that text alone: the logits in both modes, and in inspect mode every map, entropy, residual
// norm and probe, each with the batch axis first.
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/registry';
import { compile, SpecError } from '../../src/compiler/compile';
import { PRESETS } from '../../src/presets';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { expectClose, runBatch, weightsOf } from '../helpers';
import { referenceForward } from '../reference/forward64';
import { aloneSpec } from './harness';

// Two texts of one length (12 tokens): with chunk = 8 the linear-time mixers run two chunks, the
// second padded.
const TEXTS = ['Attention is', 'all you need'];
const B = TEXTS.length;

/** Row r of a batch-first tensor. */
const row = (data: Float32Array, r: number): Float32Array => {
  const n = data.length / B;
  return data.subarray(r * n, (r + 1) * n);
};

async function expectRowsMatchReference(rawSpec: Spec): Promise<void> {
  const checked = validateSpec(rawSpec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  const spec = checked.spec;
  const rows = TEXTS.map((t) => tokenize(t, spec.maxLen).ids);
  const T = rows[0]!.length;
  expect(rows[1]!.length).toBe(T);
  for (const mode of ['inspect', 'fast'] as const) {
    const graph = compile(spec, { T, mode, batch: B });
    expect(graph.inputs[0]!.shape).toEqual([B, T]);
    const out = await runBatch(graph, rows);
    expect(out['logits']!.dims).toEqual([B, T, VOCAB_SIZE]);
    rows.forEach((tokens, r) => {
      const ref = referenceForward(spec, weightsOf(graph), tokens, VOCAB_SIZE);
      const what = `${mode}, row ${r}`;
      expectClose(row(out['logits']!.data, r), ref.logits, 1e-4, `${what}: logits`);
      if (mode === 'fast') return;
      expect(Object.keys(out).filter((k) => k.startsWith('attn_probs.')).length).toBe(ref.probs.length);
      ref.probs.forEach((probs, i) => {
        expect(out[`attn_probs.${i}`]!.dims).toEqual([B, spec.nHeads, T, T]);
        expect(out[`attn_entropy.${i}`]!.dims).toEqual([B, spec.nHeads, T]);
        expectClose(row(out[`attn_probs.${i}`]!.data, r), probs, 1e-4, `${what}: attn_probs.${i}`);
        expectClose(row(out[`attn_entropy.${i}`]!.data, r), ref.entropy[i]!, 1e-4, `${what}: attn_entropy.${i}`);
      });
      // resid_rms is [runs + 1, B, T] when batched: row r of every stage.
      const rms = out['resid_rms']!;
      expect(rms.dims).toEqual([ref.probs.length + 1, B, T]);
      const mine = Float32Array.from({ length: rms.dims[0]! * T }, (_, k) => rms.data[(Math.floor(k / T) * B + r) * T + (k % T)]!);
      expectClose(mine, ref.residRms, 1e-4, `${what}: resid_rms`);
      for (const [name, values] of ref.probes) {
        expect(out[name]!.dims[0], `${name}: batch axis first`).toBe(B);
        expectClose(row(out[name]!.data, r), values, 1e-4, `${what}: ${name}`);
      }
    });
  }
}

/** The block in its slot, with two chunks at T = 12 where it has a chunk size. */
function blockSpec(slot: string, kind: string, paramInfo: Record<string, unknown>): Spec {
  const ref = { kind, params: 'chunk' in paramInfo ? { chunk: 8 } : {} };
  return aloneSpec({ [slot]: ref });
}

describe('batch of 2: every block, row by row against the reference', () => {
  it.each(BLOCKS.map((b) => [`${b.slot}: ${b.kind}`, b] as const))('%s', async (_name, block) => {
    await expectRowsMatchReference(blockSpec(block.slot, block.kind, block.paramInfo));
  });
});

describe('batch of 2: every preset, row by row against the reference', () => {
  // GPT-2 small's width and depth add nothing here but time: its architecture is the default's.
  const small = (s: Spec): Spec => (s.dModel > 64 ? { ...s, dModel: 4 * s.nHeads, layers: s.layers.slice(0, 2) } : s);
  it.each(PRESETS.map((p) => [p.id, p] as const))('%s', async (_id, preset) => {
    await expectRowsMatchReference(small(preset.spec()));
  });
});

describe('the batch option', () => {
  it('refuses a batch that is not a whole number ≥ 1, naming it', () => {
    const spec = aloneSpec({});
    for (const batch of [0, -1, 1.5, Number.NaN]) {
      expect(() => compile(spec, { T: 4, mode: 'fast', batch })).toThrow(SpecError);
      expect(() => compile(spec, { T: 4, mode: 'fast', batch })).toThrow(/batch: the batch size must be a whole number of at least 1/);
    }
  });
  it('keeps resid_rms [runs + 1, T] at B = 1 and leaves the B = 1 graph as without the option', () => {
    const spec = aloneSpec({});
    const one = compile(spec, { T: 5, mode: 'inspect', batch: 1 });
    expect(one.outputs.find((o) => o.name === 'resid_rms')!.shape).toEqual([2, 5]);
    expect(one).toEqual(compile(spec, { T: 5, mode: 'inspect' }));
  });
});
