// Kernelised attention with Toeplitz relative positions (Luo et al. 2021): both modes against the
// float64 double loop, fast (FFT Toeplitz products) = inspect (the exact map), the map's Toeplitz
// factor, no T×T tensor in the fast graph, and refusals.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec, expectFastMatchesInspect, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { expectGradientsMatch } from '../train/gradcheck';

const KIND = 'kernel_rpe';
const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: KIND, params } });

const CASES: Record<string, unknown>[] = [{}, { features: 3 }, { features: 64 }, { feature: 'elu1' }, { causal: false }, { causal: false, feature: 'elu1' }, { causal: false, features: 5 }];

describe.each(CASES)('kernelised attention with RPE %j', (params) => {
  it('alone: matches the float64 reference in both modes, fast = inspect to 1e-4', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('inside a 3-layer model: matches the reference', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('the fast path over lengths: one leaf block, several divide-and-conquer levels, radix-16 FFT steps', () => {
  it.each([1, 2, 17, 40, 128, 200, 300])('T = %i: fast = inspect (causal and bidirectional, both feature maps)', async (T) => {
    const tokens = Array.from({ length: T }, (_, t) => 2 + ((t * 7) % 50));
    for (const causal of [true, false])
      for (const feature of ['prf', 'elu1']) await expectFastMatchesInspect(aloneSpec(mixer({ causal, feature }), { maxLen: 512 }), tokens, 2e-5);
  });
});

describe('the implicit map is exact', () => {
  it.each([true, false])('causal %s: rows are distributions; A_ij / A_ij′ = (φ(q_i)·φ(k_j) / φ(q_i)·φ(k_j′)) · exp(b_{i−j} − b_{i−j′})', async (causal) => {
    // With every key the same token, φ(k_j) is the same for all j, so the ratio within a row is exp(b_{i−j} − b_{i−j′}):
    // the Toeplitz factor alone, the same along every diagonal.
    const spec = aloneSpec({ ...mixer({ causal }), position: { kind: 'nope', params: {} } }, { maxLen: 64 });
    const tokens = new Array<number>(12).fill(5);
    const T = tokens.length;
    const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data;
    for (let h = 0; h < spec.nHeads; h++) {
      const at = (i: number, j: number) => probs[(h * T + i) * T + j]!;
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          if (causal && j > i) expect(at(i, j)).toBe(0);
          else expect(at(i, j)).toBeGreaterThan(0);
          sum += at(i, j);
        }
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
      // Toeplitz: the ratio of neighbours on one row depends on the offset only, not on the row.
      for (let i = 2; i < T; i++) expect(Math.log(at(i, i - 1) / at(i, i))).toBeCloseTo(Math.log(at(1, 0) / at(1, 1)), 4);
    }
  });

  it('the fast graph has no T×T tensor: its largest tensor grows linearly with T', () => {
    for (const causal of [true, false]) {
      const largest = (T: number) => {
        const fast = compile(aloneSpec(mixer({ causal }), { maxLen: 512 }), { T, mode: 'fast' });
        return Math.max(...fast.nodes.flatMap((n) => n.outputs.map((o) => numel(o.shape))));
      };
      expect(largest(512) / largest(128)).toBeLessThanOrEqual(4.5); // T × channels, FFT lengths ∝ T: linear, not 16 (quadratic)
      // and the inspect graph does hold the T × T map
      const inspect = compile(aloneSpec(mixer({ causal }), { maxLen: 512 }), { T: 128, mode: 'inspect' });
      expect(inspect.nodes.some((n) => n.outputs.some((o) => o.shape.slice(-2).join() === '128,128'))).toBe(true);
    }
  });
});

describe('the gradient through the FFT levels', () => {
  // The registry-wide check runs at T = 8, inside one leaf block; T = 160 takes a divide-and-conquer level (causal) and radix-16 FFT steps.
  it.each([true, false])('causal %s: the grad graph agrees with float64 finite differences at T = 160', async (causal) => {
    await expectGradientsMatch(aloneSpec(mixer({ causal, features: 4 }), { dModel: 16, nHeads: 2, maxLen: 160 }), { T: 160, B: 1, samples: 4 });
  }, 300_000);
});

describe('kernelised attention with RPE parameters', () => {
  it('defaults to Performer features (m = 16), causal', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ feature: 'prf', features: 16, causal: true });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', KIND, (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ feature: 'softmax' })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Kernelised attention with relative positions: parameter "feature" must be one of "prf", "elu1", got "softmax"'],
    });
  });
});
