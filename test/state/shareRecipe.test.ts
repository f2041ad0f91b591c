// The recipe in the page's link (src/state/share.ts): written only when a run exists or the recipe
// is not the default, with a text only for a task that takes one; a link that carries one sets the
// panel's recipe and offers "Train to reproduce" (linkedRecipe), one without leaves the recipe alone.
import { describe, expect, it } from 'vitest';
import { shareToHash } from '../../src/spec/share';
import { linkedRecipe, openShared, workDoc } from '../../src/state/share';
import { createAppStore } from '../../src/state/store';
import { defaultRecipe } from '../../src/state/training';
import { shareFromLink } from '../../src/spec/share';

describe('the training recipe in the page link', () => {
  it('is written only when it says something: a changed recipe, or a run', () => {
    const store = createAppStore({ text: 'abc' });
    expect(workDoc(store.getState()).train).toBeUndefined();
    store.getState().trainingActions.setRecipe({ seed: 7 });
    expect(workDoc(store.getState()).train).toEqual({ ...defaultRecipe(), seed: 7 });
    // A run's recipe wins over the panel's (what was trained).
    const run = { slot: 'a' as const, spec: store.getState().spec, recipe: defaultRecipe(), status: 'stopped' as const, job: 1, step: 3, steps: 300, reports: [], evaluations: [], snapshots: [], stepsPerSecond: null };
    store.setState({ training: { ...store.getState().training, runs: { a: run, b: null } } });
    expect(workDoc(store.getState()).train).toEqual(defaultRecipe());
  });

  it('carries a text only for a task that trains on one', () => {
    const store = createAppStore({ text: 'abc' });
    store.getState().trainingActions.setRecipe({ text: 'stray text' });
    expect(workDoc(store.getState()).train).not.toHaveProperty('text');
    store.getState().trainingActions.setRecipe({ task: 'charLM' });
    store.getState().trainingActions.setRecipe({ taskParams: { corpus: 'custom' }, text: 'my own text' });
    expect(workDoc(store.getState()).train?.text).toBe('my own text');
  });

  it('opening a link with a recipe sets it and offers to reproduce; one without leaves the recipe', () => {
    const from = createAppStore({ text: 'abc' });
    from.getState().trainingActions.setRecipe({ seed: 11, steps: 40 });
    const link = `#${shareToHash(workDoc(from.getState()))}`;

    const store = createAppStore({ text: 'xyz' });
    expect(openShared(store, shareFromLink(link))).toBe(true);
    expect(store.getState().training.recipe).toEqual(from.getState().training.recipe);
    expect(linkedRecipe(store)).toEqual(from.getState().training.recipe);

    store.getState().trainingActions.setRecipe({ lr: 0.01 });
    const plain = `#${shareToHash({ ...workDoc(createAppStore({ text: 'q' }).getState()) })}`;
    expect(openShared(store, shareFromLink(plain))).toBe(true);
    expect(store.getState().training.recipe.lr).toBe(0.01);
    expect(linkedRecipe(store)).toBeNull();
  });
});
