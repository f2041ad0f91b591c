// TNT in its 1-D token form: both paths against the float64 reference (alone and in a 3-layer
// model), the exact map's structure (inner rows sum to 1, plus 2 from the outer term), no leak of
// later tokens, no T × T tensor in the fast graph, gradients with the outer map in play, refusals.
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { describeReferenceCases, expectArbitraryMatchReference, expectFastMatchesInspectAt, expectGroupLevelMap, expectNoLeak, expectNoTxT, groupMixer } from './groupsCommon';
import { expectGradientsMatch } from '../train/gradcheck';

const mixer = groupMixer('tnt');

describeReferenceCases('tnt', 'tnt', [{}, { causal: false }, { block: 1 }, { block: 5, causal: false }, { block: 7 }, { block: 64 }]);

describe('tnt map', () => {
  it('rows sum to 1 (inner) + 2 (outer: sentence value = v + u, where a group is read); causal rows are zero above the diagonal', () =>
    expectGroupLevelMap('tnt', 'the outer attention'));

  it('any parameters in range match the reference in both modes', () => expectArbitraryMatchReference('tnt', 'words in sentences', 5));
});

describe('tnt causality', () => {
  it('changing a later token leaves every earlier output unchanged (both modes)', async () => {
    for (const params of [{}, { block: 3 }]) await expectNoLeak(aloneSpec(mixer(params)));
  });
});

describe('tnt fast path', () => {
  it('builds no T × T tensor at T = 512', () => {
    for (const causal of [true, false]) expectNoTxT((m) => aloneSpec(mixer({ block: 16, causal }), m), 512);
  });

  it('agrees with the inspect form at T = 200 (C ∤ T)', () =>
    expectFastMatchesInspectAt(200, 'words inside sentences, sentences in text. '.repeat(5), [(m) => aloneSpec(mixer({ block: 16 }), m), (m) => aloneSpec(mixer({ block: 12, causal: false }), m)]));
});

describe('tnt gradients with the outer map in play', () => {
  // The registry's check runs T = 8 with groups of 4; groups of 2 give four sentence tokens.
  it.each([{ block: 2 }, { block: 3, causal: false }])('%j', async (params) => {
    await expectGradientsMatch(aloneSpec(mixer(params), { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);
});

describe('tnt parameters', () => {
  it('defaults', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ block: 4, causal: true });
  });
  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'tnt', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
  });
});
