import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { continueText, type Load } from '../../workers/generate';
import { Jobs } from '../../workers/jobs';
import { recipe } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';
import { Superseded } from '../../workers/analyse';
import { compile } from '../../src/compiler/compile';
import { defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { nodeRuntime, weightsOf } from '../helpers';

const load: Load = async (bytes) => (await nodeRuntime()).load(bytes, { optimize: false });

/** The float64 reference's last row of logits for `tokens` (the last maxLen of them), with the graph's weights. */
function refLastRow(spec: Spec, tokens: number[]): Float64Array {
  const window = tokens.slice(-spec.maxLen);
  const T = window.length;
  const logits = referenceForward(spec, weightsOf(compile(spec, { T, mode: 'fast' })), window, VOCAB_SIZE).logits;
  return logits.subarray((T - 1) * VOCAB_SIZE, T * VOCAB_SIZE);
}

/**
 * Greedy, checked step by step against the float64 reference on the same prefix: each chosen
 * token is the reference's argmax (up to float32 rounding, for a near tie).
 */
async function expectGreedyMatchesReference(spec: Spec, text: string, count: number) {
  const tokens = tokenize(text, spec.maxLen).ids;
  const r = await continueText(load, { id: 1, spec, tokens, count, mode: 'greedy', temperature: 1, seed: 0 });
  expect(r.tokens).toHaveLength(count);
  const prefix = tokens.slice();
  let exact = 0;
  for (const chosen of r.tokens) {
    const row = refLastRow(spec, prefix);
    const best = row.reduce((b, v, i) => (v > row[b]! ? i : b), 0);
    expect(row[chosen], `step ${prefix.length - tokens.length}`).toBeGreaterThanOrEqual(row[best]! - 1e-4 * Math.max(1, Math.abs(row[best]!)));
    if (chosen === best) exact++;
    prefix.push(chosen);
  }
  return exact;
}

describe('continueText (the worker body)', () => {
  it('greedy continuation of the default model is the float64 reference’s argmax, step by step', async () => {
    const exact = await expectGreedyMatchesReference(defaultSpec(), 'The cat sat on', 6);
    expect(exact).toBeGreaterThanOrEqual(5);
  });

  it('a non-causal model is run at the exact length of the text at each step (no padding)', async () => {
    const base = defaultSpec();
    const spec: Spec = { ...base, layers: base.layers.map((l) => ({ ...l, mixer: { kind: 'softmax_attention', params: { causal: false, kvHeads: 0 } } })) };
    await expectGreedyMatchesReference(spec, 'to be or', 4);
  });

  it('past maxLen the model sees a sliding window of the last maxLen tokens', async () => {
    const spec: Spec = { ...defaultSpec(), maxLen: 8 };
    await expectGreedyMatchesReference(spec, 'abcdef', 5); // lengths 6, 7, 8, 8, 8
  });

  it('sampling is reproducible from its seed and streams every token', async () => {
    const spec = defaultSpec();
    const tokens = tokenize('hello', spec.maxLen).ids;
    const req = { id: 1, spec, tokens, count: 8, mode: 'sample' as const, temperature: 1.5, seed: 42 };
    const seen: number[][] = [];
    // Every new token is heard (the decode graph's prompt steps report steps, no token yet).
    const a = await continueText(load, req, () => false, (p) => p.tokens.length > (seen.at(-1)?.length ?? 0) && seen.push(p.tokens));
    const b = await continueText(load, req);
    const c = await continueText(load, { ...req, seed: 43 });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
    expect(seen).toEqual(a.tokens.map((_, i) => a.tokens.slice(0, i + 1)));
  });

  it('stops with Superseded once a newer edit is announced, after the tokens already streamed', async () => {
    const spec = defaultSpec();
    const tokens = tokenize('hello', spec.maxLen).ids;
    const seen: number[][] = [];
    const run = continueText(load, { id: 3, spec, tokens, count: 10, mode: 'greedy', temperature: 1, seed: 0 }, () => seen.length >= 2, (p) => p.tokens.length > (seen.at(-1)?.length ?? 0) && seen.push(p.tokens));
    await expect(run).rejects.toBeInstanceOf(Superseded);
    expect(seen).toHaveLength(2);
  });

  it('refuses a bad request with a message naming the field', async () => {
    const spec = defaultSpec();
    const base = { id: 1, spec, tokens: [5, 6], count: 3, mode: 'sample' as const, temperature: 1, seed: 0 };
    await expect(continueText(load, { ...base, count: 0 })).rejects.toThrow(/count/);
    await expect(continueText(load, { ...base, count: 201 })).rejects.toThrow(/count/);
    await expect(continueText(load, { ...base, temperature: 0 })).rejects.toThrow(/temperature/);
    await expect(continueText(load, { ...base, tokens: [] })).rejects.toThrow(/no text/);
  });

  it('continues with the weights of the slot’s training job: greedy is the float64 reference’s argmax on the exported trained weights', async () => {
    const rt = await nodeRuntime();
    const jobs = new Jobs(rt, ort as unknown as OrtLike);
    const spec = defaultSpec();
    const r = recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 10, batch: 8, steps: 40, lr: 1e-2, warmup: 4, evalEvery: 40, seed: 7 });
    expect((await jobs.train({ spec, recipe: r })).status).toBe('done');
    // The page's spec keeps its own seed: the job is found by architecture.
    const trained = (await jobs.weightsFor('a', spec))!;
    const exported = (await jobs.trainedWeights('a'))!;
    expect(trained.key).toBe(`trained ${exported.job} step 40`);
    const byName = new Map(exported.weights.map((w) => [w.name, Float64Array.from(w.data)]));
    const trainedRow = (prefix: number[]) => {
      const logits = referenceForward(spec, (name) => byName.get(name)!, prefix, VOCAB_SIZE).logits;
      return logits.subarray((prefix.length - 1) * VOCAB_SIZE, prefix.length * VOCAB_SIZE);
    };
    const argmax = (row: ArrayLike<number>) => Array.from(row).reduce((b, v, i, a) => (v > a[b]! ? i : b), 0);

    const tokens = tokenize('abcd|', spec.maxLen).ids;
    const res = await continueText(load, { id: 1, spec, tokens, count: 5, mode: 'greedy', temperature: 1, seed: 0 }, () => false, () => undefined, trained);
    expect(res.weights).toBe(trained.key);
    const prefix = tokens.slice();
    let differs = false; // the trained weights matter: the seed's model would choose otherwise somewhere
    for (const chosen of res.tokens) {
      const row = trainedRow(prefix);
      const best = argmax(row);
      expect(row[chosen], `step ${prefix.length - tokens.length}`).toBeGreaterThanOrEqual(row[best]! - 1e-4 * Math.max(1, Math.abs(row[best]!)));
      differs ||= argmax(refLastRow(spec, prefix)) !== best;
      prefix.push(chosen);
    }
    expect(differs).toBe(true);
    const seeded = await continueText(load, { id: 2, spec, tokens, count: 2, mode: 'greedy', temperature: 1, seed: 0 });
    expect(seeded.weights).toBe(`seed ${spec.seed}`);
    await jobs.reset('a');
  }, 300_000);
});
