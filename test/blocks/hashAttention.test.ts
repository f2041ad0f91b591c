// Hashing attention (EcoFormer): both modes against the float64 reference, the exact implicit map
// (rows are distributions with at most 2b + 1 levels, causal zeros), no T×T tensor in the fast
// graph, the codes' weights get no gradient, and refusals.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { feedsOf, randomBatch } from '../train/gradcheck';
import { session } from '../train/run';
import { gradGraph, initialState } from '../../src/train/step';
import { aloneSpec, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const KIND = 'hash_attention';
const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: KIND, params } });

// TEXT has 37 tokens: chunk 8 leaves a partial last chunk, 64 exceeds T.
const CASES: Record<string, unknown>[] = [{}, { chunk: 8 }, { bits: 2, anchors: 3, chunk: 16 }, { bits: 64, anchors: 64 }, { causal: false }, { causal: false, bits: 5 }];

describe.each(CASES)('hashing attention %j', (params) => {
  it('alone: matches the float64 reference in both modes, fast = inspect to 1e-4', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('inside a 3-layer model: matches the reference', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('the implicit map is exact', () => {
  it.each([true, false])('causal %s: rows sum to 1, and each visible weight times the row total is an odd whole affinity 2(b − Hamming) + 1', async (causal) => {
    const bits = 4;
    const spec = aloneSpec(mixer({ bits, causal }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data;
    const levels = new Set<number>();
    for (let h = 0; h < spec.nHeads; h++)
      for (let i = 0; i < T; i++) {
        const row = Array.from(probs.subarray((h * T + i) * T, (h * T + i + 1) * T));
        const visible = causal ? row.slice(0, i + 1) : row;
        expect(Math.abs(visible.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
        if (causal) row.slice(i + 1).forEach((w) => expect(w).toBe(0));
        // Queries and keys share one code, so the token sees itself at Hamming distance 0, the top
        // affinity 2b + 1: the row total is (2b + 1) / A_ii.
        const total = (2 * bits + 1) / row[i]!;
        for (const w of visible) {
          const affinity = w * total;
          expect(Math.abs(affinity - Math.round(affinity)), `${h} ${i}: ${affinity}`).toBeLessThan(1e-3);
          expect(Math.round(affinity) % 2).toBe(1);
          expect(affinity).toBeGreaterThan(0.5);
          expect(affinity).toBeLessThan(2 * bits + 1 + 1e-3);
          levels.add(Math.round(affinity));
        }
      }
    expect(levels.size, 'the codes differ somewhere').toBeGreaterThan(1);
  });

  it('the fast graph builds nothing of size T×T (T = 256, chunk 32)', () => {
    for (const causal of [true, false]) {
      const spec = aloneSpec(mixer({ chunk: 32, causal }), { maxLen: 256 });
      const fast = compile(spec, { T: 256, mode: 'fast' });
      for (const node of fast.nodes) for (const out of node.outputs) expect(numel(out.shape), `${node.op} ${out.name} [${out.shape}]`).toBeLessThan(256 * 256);
    }
  });
});

describe('what the sign cuts off', () => {
  it('the hash (W_QK, anchors, A) gets exactly zero gradient; the values and the output projection do not', async () => {
    const spec = validateSpec(aloneSpec(mixer({})));
    if (!spec.ok) throw new Error(spec.errors.join('\n'));
    const graph = gradGraph(spec.spec, { T: 8, batch: 2 }, { aux: false });
    const s = await session(graph);
    const state = Object.fromEntries(initialState(graph, graph.initializers.filter((i) => i.trainable)));
    const out = await s.run({ ...feedsOf(randomBatch(2, 8, 3)), ...state });
    await s.release();
    const norm = (name: string) => Math.hypot(...out[`grad.layers.0.mixer.${name}`]!.data);
    for (const name of ['wqk', 'anchors', 'hash']) expect(norm(name), name).toBe(0);
    for (const name of ['wv', 'wo']) expect(norm(name), name).toBeGreaterThan(0);
  });
});

describe('hashing attention parameters', () => {
  it('defaults to 16 bits, 16 anchors, causal, chunks of 64', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ bits: 16, anchors: 16, causal: true, chunk: 64 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', KIND, (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ bits: 1 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Hashing attention (EcoFormer): parameter "bits" must be a whole number from 2 to 64, got 1'],
    });
  });
});
