// The entropy-collapse training lesson's claim, on its own experiment (seed 1, the lesson's steps),
// scaled down to its lowest and highest learning rate: at the highest the default decoder's heads
// collapse onto single keys and its loss stalls; with σReparam they keep their spread and it trains.
import { expect, it } from 'vitest';
import entropyTraining, { ENTROPY_LABELS, ENTROPY_LRS, ENTROPY_MEASURES as M, entropyExperiment, entropyRow } from '../../../src/presets/lessons/entropyTraining';
import { expectFiguresDefined, expectFiguresNameTheExperiment, run, value } from './claims';

it('every figure the lesson quotes names a row and a measure of its experiment', () => {
  expectFiguresNameTheExperiment(entropyTraining, entropyExperiment());
});

it('a high learning rate collapses the entropy and stalls the loss; σReparam prevents both', async () => {
  const low = ENTROPY_LRS[0]!;
  const high = ENTROPY_LRS[ENTROPY_LRS.length - 1]!;
  const full = entropyExperiment();
  const exp = { ...full, sweep: { ...full.sweep!, values: [low, high] }, seeds: [1] };
  const { result, rows } = await run(exp);
  const plain = (lr: number, m: number) => value(rows, entropyRow(ENTROPY_LABELS.plain, lr), m);
  const sigma = (lr: number, m: number) => value(rows, entropyRow(ENTROPY_LABELS.sigma, lr), m);

  // Collapse: every layer-1 head of the plain decoder near 0% of uniform entropy at the high rate, well spread at the low one.
  expect(plain(high, M.entropy1)).toBeLessThan(0.05);
  expect(plain(low, M.entropy1)).toBeGreaterThan(plain(high, M.entropy1) + 0.2);
  // ... and its training loss stalls well above the low rate's.
  expect(plain(high, M.trainLoss)).toBeGreaterThan(plain(low, M.trainLoss) + 0.3);

  // σReparam at the same high rate: spread kept in both layers, and a training loss well below the plain decoder's.
  expect(sigma(high, M.entropy0)).toBeGreaterThan(plain(high, M.entropy0) + 0.3);
  expect(sigma(high, M.entropy1)).toBeGreaterThan(plain(high, M.entropy1) + 0.05);
  expect(sigma(high, M.trainLoss)).toBeLessThan(plain(high, M.trainLoss) - 0.3);
  expectFiguresDefined(entropyTraining, rows, result, rows.map((r) => r.label));
}, 900_000);
