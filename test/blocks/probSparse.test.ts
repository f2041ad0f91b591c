// Informer's ProbSparse attention: both paths against the float64 reference (alone and in a 3-layer
// model), the structure of its map (u softmax rows, the rest uniform over the visible keys), the
// deterministic key sample, an O(T log T) fast graph, refusals, and its gradient with few active queries.
import { describe, expect, it } from 'vitest';
import { probSparseSize, sampledKeys } from '../../src/blocks/probSparse';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { expectGradientsMatch } from '../train/gradcheck';
import { aloneSpec, expectFastMatchesInspect, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'prob_sparse', params } });

// At T = 37 (TEXT): ⌈ln 37⌉ = 4, so factor 1 keeps 4 active queries, 2 keeps 8, 5 keeps 20.
const CASES: Record<string, unknown>[] = [{}, { causal: false }, { factor: 1 }, { factor: 1, causal: false }, { factor: 2 }, { factor: 3, causal: false }];

describe.each(CASES)('prob_sparse %j', (params) => {
  it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('prob_sparse on short sequences', () => {
  it.each([
    ['a', { factor: 1 }],
    ['ab', { factor: 1, causal: false }],
    ['abcd', { factor: 1 }],
  ])('%j %j', async (text, params) => {
    await expectMatchesReference(aloneSpec(mixer(params)), text, 1e-4, 1e-4);
  });
  it('with RoPE rotating queries and keys', () => expectMatchesReference(aloneSpec({ ...mixer({ factor: 1 }), position: { kind: 'rope', params: {} } }), TEXT, 1e-4, 1e-4));
});

describe('the key sample and the sizes', () => {
  it('u = U = min(T, c·⌈ln T⌉), 0 at T = 1', () => {
    expect([1, 2, 8, 37, 256, 8192].map((T) => probSparseSize(T, 5))).toEqual([0, 2, 8, 20, 30, 50]);
    expect(probSparseSize(37, 1)).toBe(4);
  });

  it('samples U keys per query, each visible, spread over the visible range, different between queries', () => {
    const T = 64;
    const U = 6;
    for (const causal of [true, false]) {
      const idx = sampledKeys(T, U, causal);
      expect(idx.length).toBe(T * U);
      for (let i = 0; i < T; i++) {
        const row = idx.slice(i * U, (i + 1) * U);
        const n = causal ? i + 1 : T;
        expect(row.every((j) => j >= 0 && j < n && Number.isInteger(j))).toBe(true);
        // Stratified: sample s lies in the s-th of U equal stretches of the visible keys.
        row.forEach((j, s) => expect(j).toBeGreaterThanOrEqual(Math.floor((s * n) / U)));
        row.forEach((j, s) => expect(j).toBeLessThan(Math.ceil(((s + 1) * n) / U)));
      }
      expect(new Set(Array.from({ length: T }, (_, i) => idx.slice(i * U, (i + 1) * U).join())).size).toBeGreaterThanOrEqual(T / 2);
    }
  });
});

describe('the explicit map of prob_sparse', () => {
  it.each([true, false])('causal %s: u softmax rows, every other row uniform over the visible keys', async (causal) => {
    const spec = aloneSpec(mixer({ factor: 1, causal }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const H = spec.nHeads;
    const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data;
    const u = probSparseSize(T, 1);
    for (let h = 0; h < H; h++) {
      let lazy = 0;
      for (let i = 0; i < T; i++) {
        const n = causal ? i + 1 : T;
        const row = Array.from(probs.subarray((h * T + i) * T, (h * T + i + 1) * T));
        expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        if (causal) expect(row.slice(i + 1).every((w) => w === 0)).toBe(true);
        if (row.slice(0, n).every((w) => Math.abs(w - 1 / n) < 1e-7)) lazy++;
      }
      // Exactly T − u lazy rows (an active row is uniform only by accident; not with random weights).
      expect(lazy, `head ${h}`).toBe(T - u);
    }
  });
});

describe('prob_sparse fast path', () => {
  it('is O(T log T): no tensor of the fast graph has two axes of length T, and the largest grows ~T log T', () => {
    const largest = (T: number, causal: boolean) => {
      const graph = compile(aloneSpec(mixer({ causal }), { maxLen: T }), { T, mode: 'fast' });
      for (const n of graph.nodes)
        for (const o of n.outputs) expect(o.shape.filter((s) => s === T).length, `${n.op} ${o.shape}`).toBeLessThan(2);
      return Math.max(...graph.nodes.flatMap((n) => n.outputs.map((o) => o.shape.reduce((a, b) => a * b, 1))));
    };
    for (const causal of [true, false]) expect(largest(2048, causal) / largest(1024, causal)).toBeLessThan(2.5);
  });

  it('runs at T = 512 and agrees with the inspect form', async () => {
    const T = 512;
    const tokens = tokenize('only the most peaked queries attend. '.repeat(16), T).ids;
    expect(tokens.length).toBe(T);
    for (const causal of [true, false]) await expectFastMatchesInspect(aloneSpec(mixer({ causal }), { maxLen: T }), tokens);
  });
});

describe('prob_sparse parameters and gradient', () => {
  it('defaults to factor 5, causal', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ factor: 5, causal: true });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'prob_sparse', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
  });

  // The registry-wide check (test/train/gradients.test.ts) runs at T = 8 with factor 5, where every
  // query is active; here factor 1 leaves 3 of 8 active, so the lazy rows' gradient is checked too.
  it.each([true, false])('gradient with 3 of 8 queries active (causal %s)', async (causal) => {
    await expectGradientsMatch(aloneSpec(mixer({ factor: 1, causal }), { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);
});
