// npm run experiment as people run it (through tsx): a definition file runs, the table's cells are
// the mean ± sd [min–max] of the runs written to the JSON file (computed here), and bad input is
// refused with a sentence.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../src/spec/experiment';
import { readResultsJson } from '../../src/train/experimentFile';
import { recipe } from '../../src/train/run';

const dir = mkdtempSync(join(tmpdir(), 'tp-experiment-'));
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const run = (...args: string[]) => {
  const r = spawnSync(tsx, ['scripts/cli/experiment.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const definition: Experiment = {
  title: 'cli',
  variants: [{ label: 'Pre-LN', model: 'default' }],
  recipe: recipe({ task: 'copy', taskParams: { maxLen: 3, alphabet: 4 }, T: 6, batch: 4, steps: 10, evalEvery: 5 }),
  seeds: [1, 2],
  measures: [{ kind: 'accuracy' }, { kind: 'trainLoss' }],
};

describe('npm run experiment', () => {
  it('runs a definition file, prints a line per run and the table, and writes results that read back', () => {
    const def = join(dir, 'def.json');
    const out = join(dir, 'results.json');
    writeFileSync(def, JSON.stringify(definition));
    const r = run(def, '--markdown', '--native', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^run 1\/2 Pre-LN, seed 1: done after 10 steps/m);
    expect(r.stdout).toMatch(/^run 2\/2 Pre-LN, seed 2: done after 10 steps/m);

    const back = readResultsJson(readFileSync(out, 'utf8'));
    if (!back.ok) throw new Error(back.error);
    expect(back.result.runs.map((x) => [x.seed, x.status])).toEqual([[1, 'done'], [2, 'done']]);
    // The row, from the runs' values: 3 significant digits, sample sd.
    const cell = (m: number) => {
      const xs = back.result.runs.map((x) => x.values[m]!);
      const mean = (xs[0]! + xs[1]!) / 2;
      const sd = Math.abs(xs[0]! - xs[1]!) / Math.SQRT2;
      const f = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 ? v.toExponential(2) : Number(v.toPrecision(3)).toString());
      return `${f(mean)} ± ${f(sd)} [${f(Math.min(...xs))}–${f(Math.max(...xs))}]`;
    };
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(lines[0]).toBe('| model | runs | accuracy | trainLoss |');
    expect(lines[2]).toBe(`| Pre-LN | 2/2 | ${cell(0)} | ${cell(1)} |`);
  }, 120_000);

  it('refuses a bad definition naming the field, an unknown lesson, and no input', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...definition, seeds: [1, 1] }));
    const r1 = run(bad);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/is not a valid experiment definition:\n\s+seeds: must not repeat a seed/);
    const r2 = run('--lesson', 'no-such-lesson');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--lesson: no lesson "no-such-lesson"/);
    const r3 = run();
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/give a definition file or --lesson/);
    const unknownPreset = join(dir, 'preset.json');
    writeFileSync(unknownPreset, JSON.stringify({ ...definition, variants: [{ label: 'X', model: 'nope' }] }));
    const r4 = run(unknownPreset);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/the experiment cannot run: variant "X": no preset "nope"/);
  }, 120_000);
});
