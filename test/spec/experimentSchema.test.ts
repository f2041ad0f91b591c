// Experiment definitions read from links and files (src/spec/experimentSchema.ts): a valid one
// comes back as it was (specs checked and normalised), and every refusal is one line naming the field.
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import type { Experiment } from '../../src/spec/experiment';
import { EXPERIMENT_LIMITS, readExperiment } from '../../src/spec/experimentSchema';
import { recipe } from '../../src/train/run';

const valid = (): Experiment => ({
  title: 'Positions at 2×',
  question: 'Which position scheme keeps its accuracy at twice the length?',
  variants: [
    { label: 'learned', model: 'default' },
    { label: 'RoPE', model: { ...defaultSpec(), position: { kind: 'rope', params: {} } }, recipe: { lr: 1e-2 } },
  ],
  sweep: { path: 'layers.*.mixer.params.kvHeads', values: [1, 2] },
  recipe: recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, steps: 100 }),
  seeds: [1, 2],
  measures: [
    { kind: 'accuracy' },
    { kind: 'stepsTo', accuracy: 0.9 },
    { kind: 'accuracyAt', T: 16, taskParams: { maxLen: 8 } },
    { kind: 'head', stat: 'induction', layer: 1, head: 0 },
    { kind: 'residual', after: -1 },
  ],
  probe: [5, 6, 7],
});

/** The refusals of `raw`, each checked to be one line. */
function refusals(raw: unknown): string[] {
  const r = readExperiment(raw);
  if (r.ok) throw new Error('expected a refusal');
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) expect(e).not.toMatch(/\n/);
  return r.errors;
}

describe('readExperiment', () => {
  it('reads a valid definition back as it was given, through JSON (specs checked, not rewritten)', () => {
    const exp = valid();
    const r = readExperiment(JSON.parse(JSON.stringify(exp)));
    expect(r).toEqual({ ok: true, experiment: exp });
  });

  it.each<[string, (e: Record<string, unknown>) => unknown, RegExp]>([
    ['not an object', () => 5, /^experiment: must be an object/],
    ['no title', (e) => ({ ...e, title: undefined }), /^title: /],
    ['an unknown field', (e) => ({ ...e, colour: 'red' }), /colour/],
    ['no variants', (e) => ({ ...e, variants: [] }), /^variants: must list at least one variant/],
    ['too many variants', (e) => ({ ...e, variants: Array.from({ length: 13 }, (_, i) => ({ label: `v${i}`, model: 'default' })) }), /^variants: must list at most 12/],
    ['a variant without a label', (e) => ({ ...e, variants: [{ model: 'default' }] }), /^variants\.0\.label: /],
    ['an invalid spec', (e) => ({ ...e, variants: [{ label: 'x', model: { ...defaultSpec(), nHeads: 3 } }] }), /^variants\.0\.model: nHeads/],
    ['a variant recipe with a bad lr', (e) => ({ ...e, variants: [{ label: 'x', model: 'default', recipe: { lr: -1 } }] }), /^variants\.0\.recipe\.lr: /],
    ['a variant recipe with a seed', (e) => ({ ...e, variants: [{ label: 'x', model: 'default', recipe: { seed: 3 } }] }), /^variants\.0\.recipe\.seed: .*seeds/],
    ['a recipe with a bad T', (e) => ({ ...e, recipe: { ...(e['recipe'] as object), T: 0 } }), /^recipe\.T: /],
    ['a sweep with no values', (e) => ({ ...e, sweep: { path: 'dModel', values: [] } }), /^sweep\.values: /],
    ['repeated seeds', (e) => ({ ...e, seeds: [1, 1] }), /^seeds: must not repeat/],
    ['too many seeds', (e) => ({ ...e, seeds: Array.from({ length: 11 }, (_, i) => i) }), /^seeds: must list at most 10/],
    ['too many runs', (e) => ({ ...e, sweep: undefined, variants: Array.from({ length: 7 }, (_, i) => ({ label: `v${i}`, model: 'default' })), seeds: Array.from({ length: 9 }, (_, i) => i) }), /63 runs; at most 60/],
    ['an unknown measure', (e) => ({ ...e, measures: [{ kind: 'beauty' }] }), /^measures\.0\.kind: must be one of accuracy/],
    ['an unknown head statistic', (e) => ({ ...e, measures: [{ kind: 'head', stat: 'cuteness', layer: 0 }] }), /^measures\.0\.stat: must be one of previousToken/],
    ['a fractional T', (e) => ({ ...e, measures: [{ kind: 'accuracyAt', T: 2.5 }] }), /^measures\.0\.T: must be a whole number/],
    ['a stepsTo above 1', (e) => ({ ...e, measures: [{ kind: 'stepsTo', accuracy: 2 }] }), /^measures\.0\.accuracy: must be from 0 to 1/],
    ['a probe token outside the vocabulary', (e) => ({ ...e, probe: [1, 100000] }), /^probe\.1: must be a whole number/],
  ])('refuses %s, naming the field', (_, change, message) => {
    const errors = refusals(change(JSON.parse(JSON.stringify(valid())) as Record<string, unknown>));
    expect(errors.some((e) => message.test(e)), errors.join('\n')).toBe(true);
  });

  it('never throws, whatever it is given', () => {
    for (const raw of [null, undefined, 'x', [], { title: 1, variants: 'no' }, { ...valid(), variants: [{ label: 'x', model: null }] }]) {
      expect(() => readExperiment(raw)).not.toThrow();
      expect(readExperiment(raw).ok).toBe(false);
    }
    expect(EXPERIMENT_LIMITS.runs).toBe(60);
  });
});
