// Every block kind and every preset, at small size: the gradient of every trainable weight from the
// compiled `grad` graph (onnxruntime-web, float32) against float64 finite differences of the float64
// reference forward pass, relative error ≤ 1e-3 per weight tensor (test/train/gradcheck.ts).
import { describe, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/registry';
import { PRESETS } from '../../src/presets';
import { aloneSpec } from '../blocks/harness';
import { expectGradientsMatch, shrink } from './gradcheck';

const SMALL = { dModel: 16, nHeads: 2, maxLen: 16 };
const B = 2;

describe('the gradient of every block', () => {
  const blocks = BLOCKS.filter((b) => !b.absent);
  it.each(blocks.map((b) => [b.slot, b.kind] as const))('%s %s', async (slot, kind) => {
    await expectGradientsMatch(aloneSpec({ [slot]: { kind, params: {} } }, SMALL), { B });
  }, 300_000);
});


describe('the gradient of every preset', () => {
  it.each(PRESETS.map((p) => [p.id, p] as const))('%s', async (_id, preset) => {
    await expectGradientsMatch(shrink(preset.spec()), { B });
  }, 300_000);
});
