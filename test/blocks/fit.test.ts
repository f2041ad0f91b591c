// FIT in its 1-D token form: both paths against the float64 reference (alone and in a 3-layer
// model), the exact map's structure, no leak of later tokens, no T × T tensor in the fast graph,
// gradients with the global map in play, refusals (latents ≤ block).
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { describeReferenceCases, expectArbitraryMatchReference, expectFastMatchesInspectAt, expectGroupLevelMap, expectNoLeak, expectNoTxT, groupMixer } from './groupsCommon';
import { expectGradientsMatch } from '../train/gradcheck';

const mixer = groupMixer('fit');

describeReferenceCases('fit', 'fit', [{}, { causal: false }, { block: 1, latents: 1 }, { block: 5, latents: 3, causal: false }, { block: 7, latents: 4 }, { block: 64, latents: 8 }]);

describe('fit map', () => {
  it('rows sum to 1 (local) + 2 (write, where a group is read); causal rows are zero above the diagonal', () => expectGroupLevelMap('fit', 'the latents'));

  it('any parameters in range match the reference in both modes', () => expectArbitraryMatchReference('fit', 'local, then global.', 5, (p) => validateSpec(aloneSpec(mixer(p))).ok));
});

describe('fit causality', () => {
  it('changing a later token leaves every earlier output unchanged (both modes)', async () => {
    for (const params of [{}, { block: 3, latents: 3 }]) await expectNoLeak(aloneSpec(mixer(params)));
  });
});

describe('fit fast path', () => {
  it('builds no T × T tensor at T = 512', () => {
    for (const causal of [true, false]) expectNoTxT((m) => aloneSpec(mixer({ block: 16, latents: 2, causal }), m), 512);
  });

  it('agrees with the inspect form at T = 200 (C ∤ T)', () =>
    expectFastMatchesInspectAt(200, 'groups read by latents, latents read back. '.repeat(5), [
      (m) => aloneSpec(mixer({ block: 16, latents: 2 }), m),
      (m) => aloneSpec(mixer({ block: 12, latents: 3, causal: false }), m),
    ]));
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
