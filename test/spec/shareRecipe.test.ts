// The training recipe in a share link (src/spec/share.ts, field `train`): it goes through the link
// unchanged, links without it still open as before, and a bad recipe is refused naming the field.
import LZString from 'lz-string';
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { readRecipe, shareFromLink, shareToHash, type SharedRecipe, type ShareDoc } from '../../src/spec/share';
import { recipe } from '../../src/train/run';

const R = recipe({ task: 'copy', taskParams: { maxLen: 6 }, T: 14, steps: 300, seed: 4, weightDecay: 0.05 });
const doc = (train?: unknown): ShareDoc => ({ v: 1, spec: defaultSpec(), text: 'abc', view: { layer: 0, head: 0 }, ...(train === undefined ? {} : { train: train as SharedRecipe }) });
const hashOf = (raw: object) => `#s=${LZString.compressToEncodedURIComponent(JSON.stringify(raw))}`;

describe('a share link with a training recipe', () => {
  it('carries the recipe unchanged, and never anything else of training', () => {
    const r = shareFromLink(`#${shareToHash(doc(R))}`);
    expect(r.ok && r.doc.train).toEqual(R);
    const text = recipe({ task: 'charLM', taskParams: { corpus: 'custom' }, T: 32, text: 'a text of my own, long enough' });
    const t = shareFromLink(`#${shareToHash(doc(text))}`);
    expect(t.ok && t.doc.train).toEqual(text);
  });

  it('opens links without one as before (no train field)', () => {
    const r = shareFromLink(`#${shareToHash(doc())}`);
    expect(r.ok && 'train' in r.doc).toBe(false);
  });

  it('refuses a bad recipe, naming the field and the allowed values', () => {
    const reason = (train: unknown) => {
      const r = shareFromLink(hashOf(doc(train)));
      return r.ok ? 'opened' : r.reason;
    };
    expect(reason({ ...R, lr: -1 })).toMatch(/train\.lr: the learning rate must be from above 0 to 10/);
    expect(reason({ ...R, steps: 2.5 })).toMatch(/train\.steps: steps must be a whole number/);
    const { steps: _steps, ...noSteps } = R;
    expect(reason(noSteps)).toMatch(/train\.steps: must be a whole number from 1 to/);
    expect(reason({ ...R, weights: [1, 2] })).toMatch(/train/);
    expect(reason({ ...R, taskParams: { maxLen: { deep: 1 } } })).toMatch(/train\.taskParams\.maxLen: must be a number, a string or true\/false/);
    expect(reason({ ...R, task: '../etc' })).toMatch(/train\.task: must be letters/);
    expect(reason({ ...R, minLrRatio: 2 })).toMatch(/train\.minLrRatio: minLrRatio must be from 0 to 1/);
    expect(reason({ ...R, weightDecay: 1 })).toMatch(/train\.weightDecay: the weight decay must be below 1/);
    expect(reason('copy')).toMatch(/train: /);
    // readRecipe names another place when asked (a trained-model file's metadata).
    const r = readRecipe({ ...R, seed: -1 }, 'recipe');
    expect(r.ok ? 'read' : r.errors[0]).toMatch(/^recipe\.seed: seed must be at least 0/);
  });
});
