// FIT in its 1-D token form: both paths against the float64 reference (alone and in a 3-layer
// model), the exact map's structure, no leak of later tokens, no T × T tensor in the fast graph,
// gradients with the global map in play, refusals (latents ≤ block).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, arbitraryParams, expectFastMatchesInspect, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { expectNoLeak } from './groupsCommon';
import { expectGradientsMatch } from '../train/gradcheck';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'fit', params } });

describe.each([{}, { causal: false }, { block: 1, latents: 1 }, { block: 5, latents: 3, causal: false }, { block: 7, latents: 4 }, { block: 64, latents: 8 }])('fit %j', (params) => {
  it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('fit map', () => {
  it('rows sum to 1 (local) + 2 (write, where a group is read); causal rows are zero above the diagonal', async () => {
    for (const causal of [true, false]) {
      const spec = aloneSpec(mixer({ block: 4, causal }));
      const tokens = tokenize(TEXT, spec.maxLen).ids;
      const T = tokens.length;
      const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data as Float32Array;
      for (let h = 0; h < spec.nHeads; h++)
        for (let i = 0; i < T; i++) {
          let sum = 0;
          for (let j = 0; j < T; j++) {
            const a = probs[(h * T + i) * T + j]!;
            sum += a;
            expect(a).toBeGreaterThanOrEqual(0);
            if (causal && j > i) expect(a).toBe(0);
            if (causal && Math.floor(j / 4) < Math.floor(i / 4)) expect(a, `(${h}, ${i}, ${j}) reached through the latents`).toBeGreaterThan(0);
          }
          expect(Math.abs(sum - (!causal || i >= 4 ? 3 : 1))).toBeLessThan(1e-5);
        }
    }
  });

  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams('fit').filter((p) => validateSpec(aloneSpec(mixer(p))).ok), async (p) => {
        await expectMatchesReference(aloneSpec(mixer(p)), 'local, then global.', 1e-4, 1e-4);
      }),
      { numRuns: 5 },
    ));
});

describe('fit causality', () => {
  it('changing a later token leaves every earlier output unchanged (both modes)', async () => {
    for (const params of [{}, { block: 3, latents: 3 }]) await expectNoLeak(aloneSpec(mixer(params)));
  });
});

describe('fit fast path', () => {
  it('builds no T × T tensor at T = 512', () => {
    const T = 512;
    for (const causal of [true, false]) {
      const graph = compile(aloneSpec(mixer({ block: 16, latents: 2, causal }), { maxLen: T }), { T, mode: 'fast' });
      const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
      expect(big).toEqual([]);
    }
  });

  it('agrees with the inspect form at T = 200 (C ∤ T)', async () => {
    const T = 200;
    const tokens = tokenize('groups read by latents, latents read back. '.repeat(5), T).ids;
    expect(tokens.length).toBe(T);
    await expectFastMatchesInspect(aloneSpec(mixer({ block: 16, latents: 2 }), { maxLen: T }), tokens);
    await expectFastMatchesInspect(aloneSpec(mixer({ block: 12, latents: 3, causal: false }), { maxLen: T }), tokens);
  });
});

describe('fit gradients with the global map in play', () => {
  // The registry's check runs T = 8 with groups of 4; groups of 2 give four groups of latents.
  it.each([{ block: 2 }, { block: 3, latents: 3, causal: false }])('%j', async (params) => {
    await expectGradientsMatch(aloneSpec(mixer(params), { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);
});

describe('fit parameters', () => {
  it('defaults', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ block: 4, latents: 2, causal: true });
  });
  it('refuses parameters out of range, and more latents than tokens per group', () => {
    expectRefusesOutOfRange('mixer', 'fit', (p) => aloneSpec(mixer({ block: 8, ...p })), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ block: 2, latents: 3 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: FIT: local groups + global latents (1-D): parameter "latents" must not exceed "block" (2), got 3'],
    });
  });
});
