// Results files (src/train/experimentFile.ts): the CSVs read back by a CSV parser written here give
// the runs' values and the summary's figures; the JSON reads back to the same result; bad files are
// refused with a sentence.
import { describe, expect, it } from 'vitest';
import type { ExperimentResult, ExperimentRun } from '../../src/spec/experiment';
import { recipe } from '../../src/train/run';
import { readResultsJson, resultsCsv, resultsJson, summaryCsv } from '../../src/train/experimentFile';

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let quoted = false;
  const endField = () => {
    row.push(f);
    f = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') quoted = false;
      else f += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endField();
    else if (c === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else f += c;
  }
  if (f || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}

const run = (variant: number, sweep: number | null, seed: number, status: ExperimentRun['status'], values: (number | null)[], extra: Partial<ExperimentRun> = {}): ExperimentRun => ({
  variant, sweep, seed, label: '', status, steps: 3, losses: [3, 2.5, 2], evaluations: [{ step: 3, loss: 2.1, accuracy: 0.25 }], track: [{ step: 3, values: [0.25, null] }], values, seconds: 1.25, ...extra,
});

const result: ExperimentResult = {
  experiment: {
    title: 'files',
    variants: [{ label: 'say "hi", twice', model: 'default' }, { label: 'B', model: 'default' }],
    sweep: { path: 'recipe.lr', values: [0.1, 0.2] },
    recipe: recipe({ task: 'copy', T: 16, steps: 3 }),
    seeds: [1, 2],
    measures: [{ kind: 'accuracy' }, { kind: 'head', stat: 'sink', layer: 0, head: 1 }],
  },
  runs: [
    { ...run(0, 0, 1, 'done', [0.5, 0.125]), label: 'say "hi", twice, lr = 0.1' },
    { ...run(0, 0, 2, 'diverged', [0.75, null], { message: 'diverged at step 3', evaluations: [{ step: 3, loss: Number.NaN, accuracy: 0 }] }), label: 'say "hi", twice, lr = 0.1' },
    { ...run(1, 1, 1, 'failed', [null, null], { message: 'out of memory' }), label: 'B, lr = 0.2' },
  ],
  provider: 'wasm',
  started: '2026-12-02T06:00:00.000Z',
  finished: '2026-12-02T06:01:00.000Z',
};

describe('results files', () => {
  it('resultsCsv: a header and one line per run, values as they are, empty where none', () => {
    const rows = parseCsv(resultsCsv(result));
    expect(rows[0]).toEqual(['label', 'variant', 'sweep value', 'seed', 'status', 'steps', 'seconds', 'accuracy', 'head sink L0 H1']);
    expect(rows.slice(1)).toEqual([
      ['say "hi", twice, lr = 0.1', 'say "hi", twice', '0.1', '1', 'done', '3', '1.25', '0.5', '0.125'],
      ['say "hi", twice, lr = 0.1', 'say "hi", twice', '0.1', '2', 'diverged', '3', '1.25', '0.75', ''],
      ['B, lr = 0.2', 'B', '0.2', '1', 'failed', '3', '1.25', '', ''],
    ]);
  });

  it('summaryCsv: mean, sd, min and max per measure over the finished runs of each row', () => {
    const rows = parseCsv(summaryCsv(result));
    expect(rows[0]!.slice(0, 7)).toEqual(['label', 'runs', 'diverged', 'accuracy mean', 'accuracy sd', 'accuracy min', 'accuracy max']);
    expect(rows.length).toBe(5); // header + 2 variants × 2 sweep values
    const first = rows[1]!;
    expect(first.slice(0, 3)).toEqual(['say "hi", twice, lr = 0.1', '2', '1']);
    const [mean, sd, min, max] = first.slice(3, 7).map(Number);
    expect(mean).toBeCloseTo(0.625, 12);
    expect(sd).toBeCloseTo(Math.sqrt(2 * 0.125 ** 2), 12); // deviations ±0.125, n − 1 = 1
    expect([min, max]).toEqual([0.5, 0.75]);
    expect(first.slice(7)).toEqual(['0.125', '0', '0.125', '0.125']);
    expect(rows[4]!.slice(0, 3)).toEqual(['B, lr = 0.2', '0', '0']); // the failed run is left out
    expect(rows[4]!.slice(3).every((f) => f === '')).toBe(true);
  });

  it('resultsJson reads back to the same result (NaN written as null and read back as NaN)', () => {
    const text = resultsJson(result);
    const raw = JSON.parse(text) as Record<string, unknown>;
    expect(raw['format']).toBe('transformer-playground-experiment');
    expect(raw['version']).toBe(1);
    expect((raw['summary'] as unknown[]).length).toBe(4);
    const back = readResultsJson(text);
    expect(back).toEqual({ ok: true, result });
    if (back.ok) expect(Number.isNaN(back.result.runs[1]!.evaluations[0]!.loss)).toBe(true);
  });

  it.each<[string, (raw: Record<string, unknown>) => unknown, RegExp]>([
    ['not JSON', () => '{', /^the file is not JSON/],
    ['another format', (r) => ({ ...r, format: 'something-else' }), /^format: .*not an experiment results file/],
    ['a newer version', (r) => ({ ...r, version: 2 }), /^version: is 2; this page reads version 1/],
    ['a broken definition', (r) => ({ ...r, experiment: { ...(r['experiment'] as object), seeds: [] } }), /^experiment\.seeds: must list at least one seed/],
    ['a run of a variant it lacks', (r) => ({ ...r, runs: [{ ...(r['runs'] as object[])[0], variant: 5 }] }), /^runs\.0: variant 5 is not one of the experiment's 2/],
    ['a run with too few values', (r) => ({ ...r, runs: [{ ...(r['runs'] as object[])[0], values: [1] }] }), /^runs\.0: has 1 values for 2 measures/],
    ['a run with a bad status', (r) => ({ ...r, runs: [{ ...(r['runs'] as object[])[0], status: 'great' }] }), /^runs\.0\.status: /],
  ])('refuses %s with a sentence', (_, change, message) => {
    const changed = change(JSON.parse(resultsJson(result)) as Record<string, unknown>);
    const r = readResultsJson(typeof changed === 'string' ? changed : JSON.stringify(changed));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});
