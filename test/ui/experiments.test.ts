// The experiment editor's checks (src/ui/experiments/definition.ts): comma lists of seeds and sweep
// values parsed and checked against what each path takes, free paths, task parameters, the size of
// the definition, and the edits the checkboxes make. Expected values are written from the rules.
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../src/spec/experiment';
import { readExperiment } from '../../src/spec/experimentSchema';
import { recipe } from '../../src/train/run';
import {
  checkPath,
  EDITOR_LIMITS,
  freshLabel,
  labelProblem,
  newMeasure,
  parseSeeds,
  parseSweepValues,
  parseTaskParams,
  parseWhole,
  recipeLine,
  runCount,
  sizeProblem,
  togglePlain,
} from '../../src/ui/experiments/definition';
import { definitionFromFile, fileStem } from '../../src/ui/experiments/files';

const base = (): Experiment => ({
  title: 'Width',
  variants: [
    { label: 'attention', model: 'default' },
    { label: 'Post-LN', model: 'post-ln' },
  ],
  recipe: recipe({ task: 'copy', T: 16, steps: 40 }),
  seeds: [1, 2],
  measures: [{ kind: 'accuracy' }, { kind: 'loss' }],
});

const reason = (r: { ok: boolean; reason?: string }) => (r.ok ? null : r.reason);

describe('seeds as typed', () => {
  it('reads a comma or space separated list of whole numbers, in order', () => {
    expect(parseSeeds('3, 1,2')).toEqual({ ok: true, value: [3, 1, 2] });
    expect(parseSeeds(' 7  8 ')).toEqual({ ok: true, value: [7, 8] });
  });
  it('refuses with a sentence: nothing, a fraction, a word, a negative, a repeat, too many', () => {
    expect(reason(parseSeeds(''))).toMatch(/at least one value/);
    expect(reason(parseSeeds('1, 2.5'))).toMatch(/2\.5 is not a whole number/);
    expect(reason(parseSeeds('1, x'))).toMatch(/"x" is not a number/);
    expect(reason(parseSeeds('-1'))).toMatch(/outside 0 to 2147483647/);
    expect(reason(parseSeeds('4, 4'))).toMatch(/4 is there twice/);
    const many = Array.from({ length: EDITOR_LIMITS.seeds + 1 }, (_, i) => i).join(',');
    expect(reason(parseSeeds(many))).toMatch(new RegExp(`at most ${EDITOR_LIMITS.seeds} values, got ${EDITOR_LIMITS.seeds + 1}`));
  });
});

describe('sweep values as typed', () => {
  it('checks each value against what its path takes', () => {
    expect(parseSweepValues('0.001, 3e-3,0.01', 'recipe.lr')).toEqual({ ok: true, value: [0.001, 0.003, 0.01] });
    expect(reason(parseSweepValues('0.001, 0', 'recipe.lr'))).toMatch(/0 is outside 0.000001 to 1|0 is outside 1e-6 to 1/);
    expect(parseSweepValues('32, 64', 'dModel')).toEqual({ ok: true, value: [32, 64] });
    expect(reason(parseSweepValues('4', 'dModel'))).toMatch(/4 is outside 8 to 1024/);
    expect(reason(parseSweepValues('32.5', 'dModel'))).toMatch(/not a whole number/);
    expect(parseSweepValues('true,false', 'sigmaReparam.enabled')).toEqual({ ok: true, value: [true, false] });
    expect(reason(parseSweepValues('yes', 'sigmaReparam.enabled'))).toMatch(/must be true or false/);
    expect(parseSweepValues('pre, post, peri', 'layers.*.placement')).toEqual({ ok: true, value: ['pre', 'post', 'peri'] });
    expect(reason(parseSweepValues('middle', 'layers.*.placement'))).toMatch(/must be one of pre, post, peri/);
  });
  it('on a free path, numbers are numbers, true/false are booleans, other words stay words', () => {
    expect(parseSweepValues('1, 2, true, rope', 'layers.*.mixer.params.kvHeads')).toEqual({ ok: true, value: [1, 2, true, 'rope'] });
  });
  it('a path is names and * joined by dots; the seed is not swept', () => {
    expect(checkPath(' layers.*.mixer.params.kvHeads ')).toEqual({ ok: true, value: 'layers.*.mixer.params.kvHeads' });
    expect(checkPath('layers.0.placement')).toEqual({ ok: true, value: 'layers.0.placement' });
    expect(reason(checkPath('a..b'))).toMatch(/not a path/);
    expect(reason(checkPath(''))).toMatch(/type a path/);
    expect(reason(checkPath('recipe.seed'))).toMatch(/seeds are set below/);
  });
});

describe('the definition as a whole', () => {
  it('counts runs as variants × sweep values × seeds, and refuses more than the limit', () => {
    const e = base();
    expect(runCount(e)).toBe(2 * 2);
    const swept = { ...e, sweep: { path: 'dModel', values: [16, 32, 64] } };
    expect(runCount(swept)).toBe(2 * 3 * 2);
    expect(sizeProblem(swept)).toBeNull();
    const big = { ...swept, seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], sweep: { path: 'dModel', values: [16, 32, 64, 128] } };
    expect(sizeProblem(big)).toBe(`That makes ${2 * 4 * 10} runs; at most ${EDITOR_LIMITS.runs}: fewer variants, sweep values or seeds.`);
    expect(sizeProblem({ ...e, variants: [] })).toMatch(/at least one variant/);
    expect(sizeProblem({ ...e, measures: [] })).toMatch(/at least one measure/);
  });
  it('ticking a plain measure adds it at the end; unticking removes it, the others keep their order', () => {
    const e = base();
    expect(togglePlain(e, 'trainLoss', true).measures).toEqual([{ kind: 'accuracy' }, { kind: 'loss' }, { kind: 'trainLoss' }]);
    expect(togglePlain(e, 'accuracy', false).measures).toEqual([{ kind: 'loss' }]);
    expect(e.measures).toEqual([{ kind: 'accuracy' }, { kind: 'loss' }]);
  });
  it('new measures start from sensible parameters: accuracy at twice the recipe’s T', () => {
    expect(newMeasure('accuracyAt', { T: 16 })).toEqual({ kind: 'accuracyAt', T: 32 });
    expect(newMeasure('head', { T: 16 })).toEqual({ kind: 'head', stat: 'previousToken', layer: 0 });
  });
  it('labels: a fresh one does not repeat; empty or taken ones are refused', () => {
    expect(freshLabel('model A', ['model A', 'model A 2'])).toBe('model A 3');
    expect(freshLabel('Pre-LN', ['model A'])).toBe('Pre-LN');
    expect(labelProblem('  ', [])).toMatch(/needs a name/);
    expect(labelProblem('x', ['x'])).toMatch(/already called "x"/);
    expect(labelProblem('y', ['x'])).toBeNull();
  });
  it('task parameters: empty means the recipe’s; otherwise a JSON object', () => {
    expect(parseTaskParams(' ')).toEqual({ ok: true, value: undefined });
    expect(parseTaskParams('{"minLen": 8}')).toEqual({ ok: true, value: { minLen: 8 } });
    expect(reason(parseTaskParams('[1]'))).toMatch(/must be an object/);
    expect(reason(parseTaskParams('{minLen: 8}'))).toMatch(/not JSON/);
    expect(parseWhole(' 3 ', 'Layer', 0, 47)).toEqual({ ok: true, value: 3 });
    expect(reason(parseWhole('48', 'Layer', 0, 47))).toMatch(/Layer: 48 is outside 0 to 47/);
  });
  it('the recipe in one line names the task, T, batch, steps and learning rate', () => {
    const r = recipe({ task: 'copy', T: 16, steps: 40, lr: 0.003, batch: 8 });
    const l = recipeLine(r);
    for (const part of ['copy', 'T 16', 'batch 8', '40 steps', 'lr 0.003']) expect(l).toContain(part);
  });
});

describe('a definition file read back', () => {
  it('takes a definition, or the definition of a results file; refuses what is not one, with the reason', () => {
    const e = base();
    const read = definitionFromFile(JSON.stringify(e), readExperiment);
    expect(read.ok && read.experiment.variants).toEqual(e.variants);
    const fromResults = definitionFromFile(JSON.stringify({ format: 'transformer-playground-experiment', version: 1, experiment: e, runs: [] }), readExperiment);
    expect(fromResults.ok && fromResults.experiment.seeds).toEqual([1, 2]);
    expect(definitionFromFile('{', readExperiment)).toEqual({ ok: false, reason: 'it is not JSON' });
    const bad = definitionFromFile(JSON.stringify({ ...e, seeds: [1, 1] }), readExperiment);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reason).toMatch(/^seeds: /);
  });
  it('names files after the title', () => {
    expect(fileStem('Width sweep: d_model 32–64')).toBe('width-sweep-d-model-32-64');
    expect(fileStem('  ')).toBe('experiment');
  });
});
