import { describe, expect, it } from 'vitest';
import { createAppStore, type AppState } from '../../src/state/store';
import { tokenize } from '../../src/spec/vocab';
import type { ContinueProgress, ContinueRequest, InferenceApi } from '../../workers/api';

const resultOf = (s: AppState, id: number): NonNullable<AppState['result']> => ({ data: { id } as NonNullable<AppState['result']>['data'], spec: s.spec, input: tokenize(s.text, s.spec.maxLen) });

describe('store: continueText', () => {
  it('asks the runtime to continue the tokens of the result on screen, for its analysis id, and passes progress on', async () => {
    const asked: ContinueRequest[] = [];
    const api = {
      exportOnnx: async () => new Uint8Array(),
      continueText: async (req: ContinueRequest, onProgress?: (p: ContinueProgress) => void) => {
        asked.push(req);
        onProgress?.({ id: req.id, tokens: [7], msPerToken: [{ position: 2, ms: 1, prompt: false, path: 'decode' }] });
        return { id: req.id, tokens: [7, 8], msPerToken: [], capacity: 4, fallback: null, windowFrom: null };
      },
    } as Partial<InferenceApi> as InferenceApi;
    const store = createAppStore({ text: 'abc', runtime: api });
    const result = resultOf(store.getState(), 4);
    const heard: number[][] = [];
    const r = await store.getState().continueText(result, { count: 2, mode: 'sample', temperature: 0.5, seed: 9 }, (p) => heard.push(p.tokens));
    expect(r.tokens).toEqual([7, 8]);
    expect(heard).toEqual([[7]]);
    expect(asked).toEqual([{ id: 4, slot: 'a', spec: result.spec, tokens: tokenize('abc', result.spec.maxLen).ids, count: 2, mode: 'sample', temperature: 0.5, seed: 9 }]);
  });

  it('rejects with a message without a runtime', async () => {
    const store = createAppStore({ text: 'abc' });
    await expect(store.getState().continueText(resultOf(store.getState(), 1), { count: 2, mode: 'greedy', temperature: 1, seed: 0 }, () => undefined)).rejects.toThrow(/no runtime/);
  });
});
