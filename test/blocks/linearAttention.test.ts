// Linear attention ("Transformers are RNNs"): both modes against the float64 recurrence, the exact
// implicit map (rows sum to 1, causal zeros), chunk sizes that do not divide T, linearity of the
// fast graph, and refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { runGraph } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const KIND = 'linear_attention';
const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: KIND, params } });

// TEXT has 37 tokens: chunk 8 and 16 leave a partial last chunk, 64 and 256 exceed T.
const CASES: Record<string, unknown>[] = [
  {},
  { chunk: 8 },
  { chunk: 16, feature: 'relu' },
  { chunk: 256 },
  { chunk: 8, feature: 'relu' },
  { causal: false },
  { causal: false, feature: 'relu', chunk: 8 },
];

describe.each(CASES)('linear attention %j', (params) => {
  it('alone: matches the float64 recurrence in both modes, fast = inspect to 1e-4', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  it('inside a 3-layer model: matches the reference', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
});

describe('linear attention over random parameters', () => {
  it('any parameters in range match the reference, fast = inspect', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams(KIND), async (p) => {
        await expectMatchesReference(aloneSpec(mixer(p)), 'The cat sat on the mat.', 1e-4, 1e-4);
      }),
      { numRuns: 8 },
    ));
});

/** The inspect map [H, T, T] of a 1-layer model. */
async function mapOf(params: Record<string, unknown>, text: string) {
  const spec = aloneSpec(mixer(params));
  const tokens = tokenize(text, spec.maxLen).ids;
  const out = await runGraph(spec, tokens, 'inspect');
  return { T: tokens.length, H: spec.nHeads, probs: out['attn_probs.0']!.data };
}

describe('the implicit map is exact: y = A·v', () => {
  it('elu + 1: rows are distributions over the visible keys (causal zeros above the diagonal)', () =>
    fc.assert(
      fc.asyncProperty(fc.boolean(), fc.constantFrom(8, 16, 64), async (causal, chunk) => {
        const { T, H, probs } = await mapOf({ causal, chunk }, TEXT);
        for (let h = 0; h < H; h++)
          for (let i = 0; i < T; i++) {
            let sum = 0;
            for (let j = 0; j < T; j++) {
              const w = probs[(h * T + i) * T + j]!;
              if (causal && j > i) expect(w, `(${h}, ${i}, ${j}) is in the future`).toBe(0);
              else expect(w, `(${h}, ${i}, ${j})`).toBeGreaterThan(0); // φ = elu + 1 > 0
              sum += w;
            }
            expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
          }
      }),
      { numRuns: 4 },
    ));

  it('ReLU: entries are ≥ 0, causal zeros above the diagonal, and each row sums to 1 or is all zero', async () => {
    const { T, H, probs } = await mapOf({ feature: 'relu' }, TEXT);
    let zeroRows = 0;
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const w = probs[(h * T + i) * T + j]!;
          expect(w).toBeGreaterThanOrEqual(0);
          if (j > i) expect(w).toBe(0);
          sum += w;
        }
        if (sum === 0) zeroRows++;
        else expect(Math.abs(sum - 1)).toBeLessThan(1e-4); // the ε guard shifts a tiny row total by ε / total
      }
    expect(zeroRows).toBeLessThan(H * T);
  });

  it('the fast graph, which never builds A, gives the logits of the inspect graph, which computes A·v', () =>
    // expectMatchesReference compares fast with inspect logits; here with a long chunked sequence too.
    expectMatchesReference(aloneSpec(mixer({ chunk: 8 })), 'The fast path folds time into chunks of eight.', 1e-4, 1e-4));
});

describe('the fast path is linear in T', () => {
  it.each([true, false])('causal %s: no tensor of the fast graph has T·T elements or more (T = 256, chunk 32)', (causal) => {
    const spec = aloneSpec(mixer({ chunk: 32, causal }), { maxLen: 256 });
    const T = 256;
    const fast = compile(spec, { T, mode: 'fast' });
    for (const node of fast.nodes) for (const out of node.outputs) expect(numel(out.shape), `${node.op} ${out.name} [${out.shape}]`).toBeLessThan(T * T);
    // The inspect graph does build the T×T map.
    const inspect = compile(spec, { T, mode: 'inspect' });
    expect(inspect.nodes.some((n) => n.outputs.some((o) => numel(o.shape) >= T * T))).toBe(true);
  });
});

describe('linear attention parameters', () => {
  it('defaults to elu + 1, causal, chunks of 64', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ feature: 'elu1', causal: true, chunk: 64 });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', KIND, (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ chunk: 7 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Linear attention: parameter "chunk" must be a whole number from 8 to 256, got 7'],
    });
    expect(validateSpec(aloneSpec(mixer({ feature: 'softmax' })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Linear attention: parameter "feature" must be one of "elu1", "relu", got "softmax"'],
    });
    expect(validateSpec(aloneSpec(mixer({ kvHeads: 2 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Linear attention: unknown parameter "kvHeads" (known: feature, causal, chunk)'],
    });
  });
});
