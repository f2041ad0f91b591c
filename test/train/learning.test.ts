// Learning, not just running: with fixed seeds, models learn their tasks to the accuracy the issue
// names, measured on each task's fixed held-out set. These are functional tests, not timed ones;
// they train on onnxruntime-node (the same steps as onnxruntime-web to 1e-4: runtimes.test.ts) so
// that they take about a minute.
import * as ortNode from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { recipe, train, type Recipe } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';

const ort = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;

async function heldOutAccuracy(spec: Spec, r: Recipe): Promise<{ best: number; last: number; firstAbove: number | null }> {
  const result = await train(ort, spec, r, { trainer: { providers: ['cpu'] } });
  await result.trainer.release();
  expect(result.diverged).toBeUndefined();
  const accs = result.evaluations.map((e) => e.accuracy);
  return { best: Math.max(...accs), last: accs[accs.length - 1]!, firstAbove: result.evaluations.find((e) => e.accuracy >= 0.99)?.step ?? null };
}

it('the default model learns copy to ≥ 99% held-out accuracy within 1,500 steps', async () => {
  const { last } = await heldOutAccuracy(defaultSpec(), recipe({ task: 'copy', T: 17, batch: 16, steps: 1500, lr: 3e-3, seed: 1 }));
  expect(last).toBeGreaterThanOrEqual(0.99);
}, 900_000);

it('a two-layer attention-only model learns induction to ≥ 95%', async () => {
  const base = defaultSpec();
  const spec: Spec = { ...base, name: 'attention-only, 2 layers, RoPE', position: { kind: 'rope', params: {} }, layers: base.layers.map((l) => ({ ...l, ffn: { kind: 'none', params: {} } })) };
  const { last } = await heldOutAccuracy(spec, recipe({ task: 'induction', T: 24, batch: 32, steps: 2000, lr: 3e-3, seed: 1 }));
  expect(last).toBeGreaterThanOrEqual(0.95);
}, 900_000);
