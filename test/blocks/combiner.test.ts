// Combiner / core-context attention: both paths against the float64 reference (alone and in a
// 3-layer model) over its summaries, windows and causality, the exact map's structure, no leak of
// later tokens, no T × T tensor in the fast graph, and refusals.
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/spec/schema';
import { aloneSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { describeReferenceCases, expectArbitraryMatchReference, expectFastMatchesInspectAt, expectMapRows, expectNoLeak, expectNoTxT, groupMixer } from './groupsCommon';
import { expectGradientsMatch } from '../train/gradcheck';

const mixer = groupMixer('combiner');

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

describeReferenceCases('combiner', 'combiner', CASES);

describe('combiner map', () => {
  it('rows are distributions over every visible token (full attention), zero above the diagonal when causal', async () => {
    for (const causal of [true, false])
      await expectMapRows(
        aloneSpec(mixer({ block: 3, causal })),
        (a, h, i, j) => {
          if (causal && j > i) expect(a).toBe(0);
          else expect(a, `(${h}, ${i}, ${j}) reached`).toBeGreaterThan(0);
        },
        () => 1,
      );
  });

  it('any parameters in range match the reference in both modes', () => expectArbitraryMatchReference('combiner', 'combine it!', 6));
});

describe('combiner causality', () => {
  it('changing a later token leaves every earlier output unchanged (both modes)', async () => {
    for (const params of [{}, { summary: 'max', block: 3 }, { summary: 'core', window: 1, block: 2 }]) await expectNoLeak(aloneSpec(mixer(params)));
  });
});

describe('combiner fast path', () => {
  it('builds no T × T tensor at T = 512', () => {
    for (const params of [{ block: 16 }, { block: 16, causal: false, window: 1, summary: 'core' }]) expectNoTxT((m) => aloneSpec(mixer(params), m), 512);
  });

  it('agrees with the inspect form at T = 200 (C ∤ T)', () =>
    expectFastMatchesInspectAt(200, 'summaries of earlier groups, one softmax. '.repeat(6), [
      (m) => aloneSpec(mixer({ block: 16, window: 1, summary: 'core' }), m),
      (m) => aloneSpec(mixer({ block: 12, causal: false, summary: 'max' }), m),
    ]));
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
