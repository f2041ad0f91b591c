// Combiner / core-context attention: both paths against the float64 reference (alone and in a
// 3-layer model) over its summaries, windows and causality, the exact map's structure, no leak of
// later tokens, no T × T tensor in the fast graph, and refusals.
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

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'combiner', params } });

const CASES: Record<string, unknown>[] = [
  {},
  { summary: 'max' },
  { summary: 'core', window: 1 },
  { causal: false },
  { causal: false, summary: 'core', block: 5, window: 1 },
  { block: 7, summary: 'max', causal: false },
  { block: 3, window: 2 },
  { block: 64 },
];

describe.each(CASES)('combiner %j', (params) => {
  it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('combiner map', () => {
  it('rows are distributions over every visible token (full attention), zero above the diagonal when causal', async () => {
    for (const causal of [true, false]) {
      const spec = aloneSpec(mixer({ block: 3, causal }));
      const tokens = tokenize(TEXT, spec.maxLen).ids;
      const T = tokens.length;
      const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data as Float32Array;
      for (let h = 0; h < spec.nHeads; h++)
        for (let i = 0; i < T; i++) {
          let sum = 0;
          for (let j = 0; j < T; j++) {
            const a = probs[(h * T + i) * T + j]!;
            sum += a;
            if (causal && j > i) expect(a).toBe(0);
            else expect(a, `(${h}, ${i}, ${j}) reached`).toBeGreaterThan(0);
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        }
    }
  });

  it('any parameters in range match the reference in both modes', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams('combiner'), async (p) => {
        await expectMatchesReference(aloneSpec(mixer(p)), 'combine it!', 1e-4, 1e-4);
      }),
      { numRuns: 6 },
    ));
});

describe('combiner causality', () => {
  it('changing a later token leaves every earlier output unchanged (both modes)', async () => {
    for (const params of [{}, { summary: 'max', block: 3 }, { summary: 'core', window: 1, block: 2 }]) await expectNoLeak(aloneSpec(mixer(params)));
  });
});

describe('combiner fast path', () => {
  it('builds no T × T tensor at T = 512', () => {
    const T = 512;
    for (const params of [{ block: 16 }, { block: 16, causal: false, window: 1, summary: 'core' }]) {
      const graph = compile(aloneSpec(mixer(params), { maxLen: T }), { T, mode: 'fast' });
      const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
      expect(big).toEqual([]);
    }
  });

  it('agrees with the inspect form at T = 200 (C ∤ T)', async () => {
    const T = 200;
    const tokens = tokenize('summaries of earlier groups, one softmax. '.repeat(6), T).ids;
    expect(tokens.length).toBe(T);
    await expectFastMatchesInspect(aloneSpec(mixer({ block: 16, window: 1, summary: 'core' }), { maxLen: T }), tokens);
    await expectFastMatchesInspect(aloneSpec(mixer({ block: 12, causal: false, summary: 'max' }), { maxLen: T }), tokens);
  });
});

describe('combiner parameters', () => {
  it('defaults', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ block: 4, window: 0, summary: 'mean', causal: true });
  });
  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'combiner', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
  });
});

describe('combiner gradients beyond the defaults', () => {
  it.each([{ summary: 'max', block: 3 }, { summary: 'core', window: 1, causal: false }])('%j', async (params) => {
    await expectGradientsMatch(aloneSpec(mixer(params), { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);
});
