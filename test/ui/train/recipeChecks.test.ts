// The Train panel's checks before it asks the worker (src/ui/train/recipeChecks.ts): the text a
// task trains on, the recipe's problems, the memory refusal, and the time left in words.
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../../src/spec/defaults';
import { formatBytes } from '../../../src/spec/units';
import { MEMORY_BUDGET_BYTES } from '../../../src/train/budget';
import { recipe } from '../../../src/train/run';
import { findTask } from '../../../src/train/tasks/registry';
import { budgetOf, budgetRefusal, effectiveRecipe, formatDuration, recipeProblem, secondsLeft, wantsText } from '../../../src/ui/train/recipeChecks';

const spec = defaultSpec();
const models = [{ label: 'the model', spec }];
const PAGE = 'The cat sat on the mat because it was warm.';

describe('the Train panel’s checks', () => {
  it('a text goes with character-level LM on corpus "custom" only (the page’s unless one was written), never with copy', () => {
    const lm = findTask('charLM')!;
    expect(wantsText(lm, {})).toBe(false);
    expect(wantsText(lm, { corpus: 'custom' })).toBe(true);
    expect(wantsText(findTask('copy')!, {})).toBe(false);
    const custom = recipe({ task: 'charLM', taskParams: { corpus: 'custom' }, T: 8 });
    expect(effectiveRecipe(custom, PAGE).text).toBe(PAGE);
    expect(effectiveRecipe({ ...custom, text: 'another text, long enough to train on' }, PAGE).text).toBe('another text, long enough to train on');
    expect('text' in effectiveRecipe({ ...custom, taskParams: {}, text: 'left over' }, PAGE)).toBe(false);
    expect('text' in effectiveRecipe(recipe({ task: 'copy', T: 16 }), PAGE)).toBe(false);
  });

  it('says what is wrong with a recipe: a T past the model’s maxLen (naming the model), the task’s own refusal', () => {
    const ok = recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8 });
    expect(recipeProblem(ok, models)).toBeNull();
    expect(recipeProblem({ ...ok, T: 200 }, [...models, { label: 'model B', spec: { ...spec, maxLen: 300 } }])).toMatch(/^Sequence length 200 is longer than the model's maxLen \(128\)/);
    expect(recipeProblem({ ...ok, T: 64 }, [...models.map((m) => ({ ...m, spec: { ...spec, maxLen: 300 } })), { label: 'model B', spec: { ...spec, maxLen: 32 } }])).toMatch(/model B's maxLen \(32\)/);
    // maxLen 4 needs T ≥ 2 · 4 (4 letters, "|", 4 answers).
    expect(recipeProblem({ ...ok, T: 7 }, models)).toMatch(/T = 7 is too short.*T ≥ 8/);
    expect(recipeProblem({ ...ok, taskParams: { minLen: 5, maxLen: 4 } }, models)).toMatch(/minLen \(5\) must not be more than maxLen \(4\)\.$/);
    expect(recipeProblem({ ...ok, task: 'nope' }, models)).toBe('There is no task "nope".');
    const short = recipe({ task: 'charLM', taskParams: { corpus: 'custom' }, T: 4, text: 'too short' });
    expect(recipeProblem(short, models)).toMatch(/at least 20 characters/);
  });

  it('refuses by the estimate only over the budget, with the numbers, what to reduce and which model', () => {
    const small = budgetOf(models, { T: 16, batch: 16 });
    expect(budgetRefusal(small)).toBeNull();
    const big = budgetOf(models, { T: 128, batch: 1024 });
    const e = big[0]!;
    if (!('stats' in e)) throw new Error(e.error);
    expect(e.stats.peakBytes).toBeGreaterThan(MEMORY_BUDGET_BYTES);
    const why = budgetRefusal(big)!;
    expect(why).toContain(`needs about ${formatBytes(e.stats.peakBytes)}, over the ${formatBytes(MEMORY_BUDGET_BYTES)} budget`);
    expect(why).toMatch(/batch 1024 → \d+/);
    // In compare mode each model is named; a model that fits says nothing.
    const two = budgetOf([{ label: 'model A', spec }, { label: 'model B', spec: { ...spec, dModel: 16, nHeads: 2 } }], { T: 128, batch: 1024 });
    const text = budgetRefusal(two)!;
    expect(text.startsWith('model A: Training this model')).toBe(true);
    if ('stats' in two[1]! && two[1].stats.fits) expect(text).not.toContain('model B');
    // A model that does not compile cannot be estimated: said, and refused.
    const bad = budgetOf([{ label: 'the model', spec: { ...spec, nHeads: 3 } }], { T: 8, batch: 2 });
    expect(budgetRefusal(bad)).toMatch(/^the training memory could not be estimated: /);
  });

  it('time left: the steps to go at the speed, in words', () => {
    expect(secondsLeft(100, 300, 20)).toBe(10);
    expect(secondsLeft(300, 300, 20)).toBe(0);
    expect(secondsLeft(1, 300, null)).toBeNull();
    expect(secondsLeft(1, 300, 0)).toBeNull();
    expect([0.2, 44.6, 61, 3599, 3900].map(formatDuration)).toEqual(['about 1 s', 'about 45 s', 'about 1 min', 'about 1 h', 'about 1 h 5 min']);
  });
});
