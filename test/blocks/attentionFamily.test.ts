// The attention family: every block against its float64 reference (alone and in a 3-layer model,
// both modes), and properties of its maps over random parameters drawn from its schema.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { VISIBLE } from './attention.ref';
import { aloneSpec, arbitraryParams, expectMatchesReference, threeLayerSpec } from './harness';
import { runGraph } from './harness';

const mixer = (kind: string, params: Record<string, unknown>) => ({ mixer: { kind, params } });

const CASES: [string, Record<string, unknown>][] = [
  ['softmax_attention', { causal: true }],
  ['softmax_attention', { causal: false }],
  ['softmax_attention', { kvHeads: 2 }],
  ['softmax_attention', { kvHeads: 1, causal: false }],
  ['sliding_window', { window: 4 }],
  ['sliding_window', { window: 3, causal: false, kvHeads: 2 }],
  ['dilated_attention', { dilation: 3, span: 4 }],
  ['dilated_attention', { dilation: 2, span: 3, causal: false }],
  ['sink_attention', { sinks: 2, window: 4 }],
  ['sink_attention', { sinks: 3, window: 2, causal: false, kvHeads: 1 }],
  ['selective_attention', {}],
  ['selective_attention', { causal: false, kvHeads: 2 }],
  ['power_softmax', { power: 2 }],
  ['power_softmax', { power: 6, causal: false }],
  ['minimal_attention', {}],
  ['minimal_attention', { symmetric: true, causal: false }],
  ['retention_decay', {}],
  ['retention_decay', { initValue: 3, headsRange: 6, causal: false, kvHeads: 1 }],
];

describe.each(CASES)('%s %j', (kind, params) => {
  it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(kind, params))));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(kind, params))));
});

/** Runs the inspect graph of a 1-layer model with this mixer and returns its map [H, T, T] and entropies. */
async function mapsOf(kind: string, params: Record<string, unknown>, text: string) {
  const spec = aloneSpec(mixer(kind, params));
  const tokens = tokenize(text, spec.maxLen).ids;
  const out = await runGraph(spec, tokens, 'inspect');
  return { T: tokens.length, H: spec.nHeads, probs: out['attn_probs.0']!.data, entropy: out['attn_entropy.0']!.data };
}

describe.each(Object.keys(VISIBLE))('properties of %s over random parameters', (kind) => {
  it('rows sum to 1, exactly the allowed keys have weight, and entropy lies in [0, log(visible keys)]', async () => {
    const valid = arbitraryParams(kind).filter((p) => validateSpec(aloneSpec(mixer(kind, p))).ok);
    const text = fc.string({ unit: fc.constantFrom(...'abcdefgh ,.'.split('')), minLength: 1, maxLength: 24 });
    await fc.assert(
      fc.asyncProperty(valid, text, async (p, t) => {
        const { T, H, probs, entropy } = await mapsOf(kind, p, t);
        const visible = VISIBLE[kind]!(p);
        for (let h = 0; h < H; h++)
          for (let i = 0; i < T; i++) {
            let sum = 0;
            let seen = 0;
            for (let j = 0; j < T; j++) {
              const w = probs[(h * T + i) * T + j]!;
              sum += w;
              if (visible(i, j)) {
                seen++;
                // An even power of a score near 0 can underflow to an exact 0; every other kind is > 0.
                if (kind === 'power_softmax') expect(w).toBeGreaterThanOrEqual(0);
                else expect(w, `(${h}, ${i}, ${j}) is visible`).toBeGreaterThan(0);
              } else expect(w, `(${h}, ${i}, ${j}) is hidden`).toBe(0);
            }
            expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
            const e = entropy[h * T + i]!;
            expect(e).toBeGreaterThanOrEqual(-1e-6);
            expect(e).toBeLessThanOrEqual(Math.log(seen) + 1e-5);
          }
      }),
      { numRuns: 12 },
    );
  });
});

describe('parameters out of range are refused, naming block, parameter and range', () => {
  it.each([
    ['sliding_window', { window: 0 }, 'Sliding-window attention: parameter "window" must be a whole number from 1 to 512, got 0'],
    ['dilated_attention', { dilation: 65 }, 'Dilated attention: parameter "dilation" must be a whole number from 1 to 64, got 65'],
    ['sink_attention', { sinks: 17 }, 'Sink tokens + local window: parameter "sinks" must be a whole number from 1 to 16, got 17'],
    ['softmax_attention', { kvHeads: 3 }, 'Softmax attention: parameter "kvHeads" must divide the model\'s heads (4) or be 0 for one per head, got 3'],
    ['sliding_window', { kvHeads: 8 }, 'Sliding-window attention: parameter "kvHeads" must divide the model\'s heads (4) or be 0 for one per head, got 8'],
    ['power_softmax', { power: 3 }, 'Power-softmax attention: parameter "power" must be even (2, 4, 6 or 8), got 3'],
    ['retention_decay', { initValue: 0.5 }, 'Retention-decay attention: parameter "initValue" must be a number from 1 to 8, got 0.5'],
    ['minimal_attention', { kvHeads: 2 }, 'Minimal attention: unknown parameter "kvHeads" (known: symmetric, causal)'],
  ])('%s %j', (kind, params, message) => {
    const r = validateSpec(aloneSpec(mixer(kind, params)));
    expect(r.ok ? [] : r.errors).toEqual([`layers.0.mixer: ${message}`]);
  });
});

describe('retention decay rates', () => {
  it("follow RMT's schedule γ_h = 1 − 2^(−a − r·h/H), written out by hand for a = 2, r = 4, H = 4", async () => {
    const { decayRates } = await import('../../src/blocks/retentionDecay');
    expect(decayRates(4, 2, 4)).toEqual([0.75, 0.875, 0.9375, 0.96875]);
  });
});
