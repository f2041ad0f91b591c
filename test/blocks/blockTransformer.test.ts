// Block Transformer as one mixer: both paths against the float64 reference (alone and in a
// 3-layer model), the exact map's structure, no leak of later tokens, no T × T tensor in the fast
// graph, and refusals.
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, runGraph, TEXT } from './harness';
import { expectRefusesOutOfRange } from './refusal';
import { describeReferenceCases, expectArbitraryMatchReference, expectFastMatchesInspectAt, expectMapRows, expectNoLeak, expectNoTxT, groupMixer } from './groupsCommon';
import { expectGradientsMatch } from '../train/gradcheck';

const mixer = groupMixer('block_transformer');

describeReferenceCases('block transformer', 'block_transformer', [{}, { block: 1 }, { block: 5 }, { block: 8 }, { block: 64 }]);

describe('block transformer map', () => {
  it('rows are distributions over every earlier token; the first block sees only itself', async () => {
    await expectMapRows(
      aloneSpec(mixer({ block: 4 })),
      (a, h, i, j) => {
        // Reached: the own block up to i, and every earlier block through the prefix.
        if (j > i) expect(a).toBe(0);
        else expect(a, `(${h}, ${i}, ${j})`).toBeGreaterThan(0);
      },
      () => 1,
    );
  });

  it('within an earlier block the prefix weight is spread evenly (mean-pooled embedder)', async () => {
    const spec = aloneSpec(mixer({ block: 4 }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data as Float32Array;
    const i = 13; // block 3
    for (let h = 0; h < spec.nHeads; h++)
      for (let g = 0; g < 3; g++) for (let u = 1; u < 4; u++) expect(probs[(h * T + i) * T + g * 4 + u]!).toBeCloseTo(probs[(h * T + i) * T + g * 4]!, 7);
  });

  it('any parameters in range match the reference in both modes', () => expectArbitraryMatchReference('block_transformer', 'global, then local.', 5));
});

describe('block transformer causality', () => {
  it('changing a later token leaves every earlier output unchanged (both modes)', async () => {
    for (const params of [{}, { block: 3 }]) await expectNoLeak(aloneSpec(mixer(params)));
  });
});

describe('block transformer fast path', () => {
  it('builds no T × T tensor at T = 512', () => expectNoTxT((m) => aloneSpec(mixer({ block: 16 }), m), 512));

  it('agrees with the inspect form at T = 200 (C ∤ T)', () => expectFastMatchesInspectAt(200, 'coarse over blocks, fine within them. '.repeat(6), [(m) => aloneSpec(mixer({ block: 16 }), m)]));
});

describe('block transformer parameters', () => {
  it('defaults', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ block: 4 });
  });
  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'block_transformer', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
  });
});

describe('block transformer gradients with the coarse map in play', () => {
  // At the registry's gradient check (T = 8, blocks of 4) the coarse softmax has one entry; with
  // blocks of 2 there are 4 groups, so W_qc and W_kc get non-zero gradients too.
  it('blocks of 2', async () => {
    const grads = await expectGradientsMatch(aloneSpec(mixer({ block: 2 }), { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
    expect([...grads.keys()].filter((k) => k.includes('mixer.wqc') || k.includes('mixer.wkc')).length).toBe(2);
  }, 300_000);
});
