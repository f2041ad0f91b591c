// PoolFormer's pooling mixer: both paths against the float64 windowed average (alone and in a
// 3-layer model), the exact structure of its map, random parameters, refusals, and linear size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { windows } from '../../src/blocks/pooling';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec, expectFastMatchesInspect } from './harness';
import { runGraph } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'pooling', params } });

const CASES: Record<string, unknown>[] = [{}, { causal: false }, { size: 5, causal: false }, { size: 7 }, { size: 15 }, { size: 15, causal: false }];

describe.each(CASES)('pooling %j', (params) => {
  it('matches the float64 windowed average alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 windowed average inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('pooling on short sequences (windows wider than the text)', () => {
  it.each([
    ['a', { size: 3 }],
    ['ab', { size: 15, causal: false }],
    ['abcd', { size: 9 }],
  ])('%j %j', async (text, params) => {
    await expectMatchesReference(aloneSpec(mixer(params)), text, 1e-4, 1e-4);
  });
});

/** The inspect map [H, T, T] of a 1-layer model with this mixer. */
async function mapOf(params: Record<string, unknown>, text: string) {
  const spec = aloneSpec(mixer(params));
  const tokens = tokenize(text, spec.maxLen).ids;
  const out = await runGraph(spec, tokens, 'inspect');
  return { T: tokens.length, H: spec.nHeads, probs: out['attn_probs.0']!.data };
}

describe('the implicit map of pooling over random parameters', () => {
  it('is P − I: 1/count − δ_ij inside the window, 0 outside, rows sum to 0, the same in every head', async () => {
    const valid = arbitraryParams('pooling').filter((p) => validateSpec(aloneSpec(mixer(p))).ok);
    const text = fc.string({ unit: fc.constantFrom(...'abcdefgh ,.'.split('')), minLength: 1, maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(valid, text, async (p, t) => {
        const { T, H, probs } = await mapOf(p, t);
        const k = p['size'] as number;
        const causal = p['causal'] as boolean;
        for (let h = 0; h < H; h++)
          for (let i = 0; i < T; i++) {
            // The window by hand: the k tokens ending at i, or centred on i, cut to the tokens that exist.
            const lo = causal ? Math.max(0, i - k + 1) : Math.max(0, i - (k - 1) / 2);
            const hi = causal ? i : Math.min(T - 1, i + (k - 1) / 2);
            const count = hi - lo + 1;
            let sum = 0;
            for (let j = 0; j < T; j++) {
              const a = probs[(h * T + i) * T + j]!;
              sum += a;
              const want = (j >= lo && j <= hi ? 1 / count : 0) - (i === j ? 1 : 0);
              if (want === 0) expect(a, `(${h}, ${i}, ${j}) outside the window`).toBe(0);
              else expect(Math.abs(a - want), `(${h}, ${i}, ${j})`).toBeLessThanOrEqual(1e-7);
              if (causal && j > i) expect(a).toBe(0);
              expect(a).toBe(probs[(0 * T + i) * T + j]!);
            }
            expect(Math.abs(sum)).toBeLessThan(1e-6);
          }
      }),
      { numRuns: 8 },
    );
  });

  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams('pooling').filter((p) => validateSpec(aloneSpec(mixer(p))).ok), async (p) => {
        await expectMatchesReference(aloneSpec(mixer(p)), 'pool it!', 1e-4, 1e-4);
      }),
      { numRuns: 8 },
    ));

  it('windows(): counts of the tokens that exist (count_include_pad = False)', () => {
    expect(windows(5, 3, true)).toEqual({ lo: [0, 0, 0, 1, 2], hi: [0, 1, 2, 3, 4], count: [1, 2, 3, 3, 3] });
    expect(windows(5, 3, false)).toEqual({ lo: [0, 0, 1, 2, 3], hi: [1, 2, 3, 4, 4], count: [2, 3, 3, 3, 2] });
    expect(windows(2, 7, false)).toEqual({ lo: [0, 0], hi: [1, 1], count: [2, 2] });
  });
});

describe('pooling fast path', () => {
  it('is linear in T: at T = 256 no tensor of the fast graph has 256·256 elements', () => {
    const T = 256;
    for (const causal of [true, false]) {
      const graph = compile(aloneSpec(mixer({ size: 7, causal }), { maxLen: T }), { T, mode: 'fast' });
      const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
      expect(big).toEqual([]);
    }
  });

  it('runs at T = 512 and agrees with the inspect form', async () => {
    const T = 512;
    const tokens = tokenize('pool the tokens, then subtract. '.repeat(20), T).ids;
    expect(tokens.length).toBe(T);
    for (const causal of [true, false]) {
      const spec = aloneSpec(mixer({ size: 15, causal }), { maxLen: T });
      await expectFastMatchesInspect(spec, tokens);
    }
  });
});

describe('pooling parameters', () => {
  it('defaults to size 3, causal', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ size: 3, causal: true });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'pooling', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ size: 4 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Pooling (PoolFormer): parameter "size" must be odd (3, 5, … 15), got 4'],
    });
    expect(validateSpec(aloneSpec(mixer({ size: 17 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Pooling (PoolFormer): parameter "size" must be a whole number from 3 to 15, got 17'],
    });
  });

  it('has no weights', () => {
    const graph = compile(aloneSpec(mixer({})), { T: 4, mode: 'inspect' });
    expect(graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('layers.0.mixer.'))).toEqual([]);
  });
});
