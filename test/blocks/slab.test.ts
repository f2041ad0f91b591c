// SLAB's simplified linear attention: ReLU linear attention plus a per-head depthwise convolution of
// the values. Both modes against the float64 recurrence, the exact map (linear part + conv band),
// chunk sizes that do not divide T, linearity of the fast graph, and refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { toOnnxBytes } from '../../src/graph/onnx';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { nodeRuntime, weightsOf } from '../helpers';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const KIND = 'slab';
const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: KIND, params } });

// TEXT has 37 tokens: chunk 8 leaves a partial last chunk, 64 exceeds T.
const CASES: Record<string, unknown>[] = [
  {},
  { chunk: 8 },
  { chunk: 8, kernel: 9 },
  { chunk: 256, kernel: 5 },
  { causal: false },
  { causal: false, kernel: 7, chunk: 8 },
];

describe.each(CASES)('slab %j', (params) => {
  it('alone: matches the float64 recurrence in both modes, fast = inspect to 1e-4', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('inside a 3-layer model: matches the reference', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('slab over random parameters', () => {
  it('any valid parameters match the reference, fast = inspect', () =>
    fc.assert(
      fc.asyncProperty(
        arbitraryParams(KIND).filter((p) => validateSpec(aloneSpec(mixer(p))).ok),
        async (p) => {
          await expectMatchesReference(aloneSpec(mixer(p)), 'The cat sat on the mat.', 1e-4, 1e-4);
        },
      ),
      { numRuns: 8 },
    ));

  it('a sequence shorter than the kernel still works (T = 2, kernel 9)', () => expectMatchesReference(aloneSpec(mixer({ kernel: 9, causal: false })), 'ab', 1e-4, 1e-4));
});

describe('the implicit map is exact: y = A·v with A = linear part + convolution band', () => {
  it.each([true, false])('causal %s: outside the band A is the non-negative linear-attention map; causal zeros above the diagonal', async (causal) => {
    const kernel = 5;
    const spec = aloneSpec(mixer({ causal, kernel, chunk: 8 }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const graph = compile(spec, { T: tokens.length, mode: 'inspect' });
    const model = await (await nodeRuntime()).load(toOnnxBytes(graph));
    const out = await model.run(tokens);
    await model.release();
    const probs = out['attn_probs.0']!.data;
    const w = weightsOf(graph)('layers.0.mixer.dwc'); // [H, kernel]
    const T = tokens.length;
    const H = spec.nHeads;
    const p = (kernel - 1) / 2;
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        let linearSum = 0;
        for (let j = 0; j < T; j++) {
          const a = probs[(h * T + i) * T + j]!;
          // The convolution tap reading v_j for output i, if any.
          const s = causal ? i - j : j - i + p;
          const inBand = s >= 0 && s < kernel;
          const lin = inBand ? a - w[h * kernel + s]! : a;
          if (causal && j > i) expect(a, `(${h}, ${i}, ${j}) is in the future`).toBe(0);
          expect(lin).toBeGreaterThanOrEqual(-1e-6);
          linearSum += lin;
        }
        // The linear part of each row sums to 1, or 0 where ReLU features never overlap.
        expect(Math.min(Math.abs(linearSum - 1), Math.abs(linearSum))).toBeLessThan(1e-4);
      }
  });
});

describe('the fast path is linear in T', () => {
  it.each([true, false])('causal %s: no tensor of the fast graph has T·T elements or more (T = 256, chunk 32)', (causal) => {
    const spec = aloneSpec(mixer({ chunk: 32, causal, kernel: 9 }), { maxLen: 256 });
    const T = 256;
    for (const node of compile(spec, { T, mode: 'fast' }).nodes)
      for (const out of node.outputs) expect(numel(out.shape), `${node.op} ${out.name} [${out.shape}]`).toBeLessThan(T * T);
  });
});

describe('slab parameters', () => {
  it('defaults to kernel 3, causal, chunks of 64', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ kernel: 3, causal: true, chunk: 64 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', KIND, (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ kernel: 4 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Simplified linear attention (SLAB): parameter "kernel" must be odd (3, 5, 7 or 9), got 4'],
    });
    expect(validateSpec(aloneSpec(mixer({ kernel: 11 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Simplified linear attention (SLAB): parameter "kernel" must be a whole number from 3 to 9, got 11'],
    });
    expect(validateSpec(aloneSpec(mixer({ chunk: 300 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Simplified linear attention (SLAB): parameter "chunk" must be a whole number from 8 to 256, got 300'],
    });
  });
});
