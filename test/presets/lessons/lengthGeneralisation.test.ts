// The claim of the lesson "Length generalisation of positional encodings", checked on its own
// experiment (one fixed seed, as the lesson) on onnxruntime-node: every
// scheme loses accuracy beyond the training length, and the schemes without a code per absolute
// position (NoPE, ALiBi, T5 bias) keep more of it at 2× than learned absolute positions.
// Directions with margins, never exact values; and every figure the step texts quote has a value.
import * as ortNode from 'onnxruntime-node';
import { expect, it } from 'vitest';
import type { SummaryRow } from '../../../src/spec/experiment';
import { findLesson } from '../../../src/presets/lessons';
import { readExperiment } from '../../../src/spec/experimentSchema';
import { AT_1X, AT_2X, AT_4X, FIGURES, lengthExperiment, MEASURES, RECIPE, SCHEMES, TRAIN_LEN } from '../../../src/presets/lessons/lengthGeneralisation';
import { runExperiment, summarize } from '../../../src/train/experiment';
import type { OrtLike } from '../../../src/train/trainer';

const ort = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;

it('the experiment scores strings longer than any trained on, at 2× and 4× the training length', () => {
  expect(RECIPE.taskParams).toMatchObject({ maxLen: TRAIN_LEN });
  expect(RECIPE.T).toBe(2 * TRAIN_LEN);
  const [, x2, x4] = MEASURES;
  expect(x2).toEqual({ kind: 'accuracyAt', T: 4 * TRAIN_LEN, taskParams: { minLen: TRAIN_LEN + 1, maxLen: 2 * TRAIN_LEN, alphabet: 26 } });
  expect(x4).toEqual({ kind: 'accuracyAt', T: 8 * TRAIN_LEN, taskParams: { minLen: 2 * TRAIN_LEN + 1, maxLen: 4 * TRAIN_LEN, alphabet: 26 } });
  const exp = lengthExperiment();
  expect(exp.variants.map((v) => (typeof v.model === 'string' ? v.model : v.model.position.kind))).toEqual(['nope', 'learned_absolute', 'sinusoidal', 'rope', 'alibi', 't5_bias']);
  // The variants differ only in the position block.
  const strip = (v: (typeof exp.variants)[number]) => (typeof v.model === 'string' ? v.model : { ...v.model, name: '', position: null });
  expect(new Set(exp.variants.map((v) => JSON.stringify(strip(v)))).size).toBe(1);
  expect(findLesson('length-generalisation')!.steps.find((s) => s.experiment)!.experiment).toBe(lengthExperiment);
  // The page takes a definition only when it reads back as itself (links and files carry it).
  expect(readExperiment(JSON.parse(JSON.stringify(exp)))).toEqual({ ok: true, experiment: exp });
});

it('lesson length-generalisation: beyond the training length every scheme degrades, and NoPE, ALiBi, T5 bias (and sinusoidal) stay ahead of learned positions at 2×', async () => {
  const result = await runExperiment(ort, lengthExperiment(), { providers: ['cpu'] });
  expect(result.runs.every((r) => r.status === 'done')).toBe(true);
  const rows = summarize(result);
  const at = (label: string, m: number) => rows.find((r: SummaryRow) => r.label === label)!.measures[m]!.mean;
  for (const { label } of SCHEMES) {
    expect(at(label, AT_2X), `${label}: 2× below 1×`).toBeLessThan(at(label, AT_1X) - 0.1);
    expect(at(label, AT_4X), `${label}: 4× not above 2×`).toBeLessThanOrEqual(at(label, AT_2X) + 0.02);
  }
  // Learned absolute positions copy training-length strings well, yet fall furthest beyond them.
  expect(at('learned absolute', AT_1X)).toBeGreaterThan(0.85);
  for (const label of ['NoPE', 'ALiBi', 'T5 bias']) expect(at(label, AT_2X), `${label} ahead of learned at 2×`).toBeGreaterThan(at('learned absolute', AT_2X) + 0.05);
  // Sinusoidal positions, a fixed code per position, still keep more at 2× than learned ones.
  expect(at('sinusoidal', AT_2X)).toBeGreaterThan(at('learned absolute', AT_2X) + 0.05);
  const figures = Object.entries(FIGURES).map(([name, f]) => [name, f.of(rows, result)] as const);
  for (const [name, value] of figures) expect(value, name).not.toBeNull();
}, 900_000);
