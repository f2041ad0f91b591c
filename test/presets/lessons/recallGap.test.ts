// The recall gap lesson's claim, on its own experiment (seed 1, the lesson's steps), scaled down to
// three of its variants to fit a test: softmax attention recalls MQAR's values; retention and
// Mamba-2 of the same width, trained the same way, stay far below it.
import { expect, it } from 'vitest';
import recallGap, { RECALL_LABELS, recallExperiment } from '../../../src/presets/lessons/recallGap';
import { expectFiguresDefined, expectFiguresNameTheExperiment, run, value } from './claims';

it('every figure the lesson quotes names a row and a measure of its experiment', () => {
  expectFiguresNameTheExperiment(recallGap, recallExperiment());
});

it('softmax attention solves MQAR; retention and Mamba-2 at the same d_model fall well short', async () => {
  const full = recallExperiment();
  const keep: string[] = [RECALL_LABELS.attention, RECALL_LABELS.retention, RECALL_LABELS.mamba];
  const exp = { ...full, variants: full.variants.filter((v) => keep.includes(v.label)), seeds: [1] };
  expect(exp.variants).toHaveLength(keep.length);
  const { result, rows } = await run(exp);
  const accuracy = (label: string) => value(rows, label, 0);
  const attention = accuracy(RECALL_LABELS.attention);
  // Chance is 1 in 10 values; attention gets (nearly) all of them.
  expect(attention).toBeGreaterThanOrEqual(0.9);
  for (const label of [RECALL_LABELS.retention, RECALL_LABELS.mamba]) {
    expect(accuracy(label), label).toBeGreaterThan(0.2);
    expect(accuracy(label), label).toBeLessThan(attention - 0.2);
  }
  expectFiguresDefined(recallGap, rows, result, keep);
}, 900_000);
