// Generation with the decode graph (workers/generate.ts): the same tokens as the forward path for
// greedy decoding, for an attention and a recurrent mixer; past the capacity the forward path's
// sliding window takes over; a model that cannot decode falls back with its reason in one sentence.
import { describe, expect, it } from 'vitest';
import { continueText, type Load } from '../../workers/generate';
import type { ContinueRequest } from '../../workers/api';
import { defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { compile } from '../../src/compiler/compile';
import { aloneSpec } from '../blocks/harness';
import { nodeRuntime } from '../helpers';

const load: Load = async (bytes) => (await nodeRuntime()).load(bytes, { optimize: false });
const SMALL = { dModel: 32, nHeads: 2, maxLen: 32 };
const request = (spec: Spec, text: string, count: number, more: Partial<ContinueRequest> = {}): ContinueRequest => ({
  id: 1,
  spec,
  tokens: tokenize(text, spec.maxLen).ids,
  count,
  mode: 'greedy',
  temperature: 1,
  seed: 0,
  ...more,
});

/** Runs `req` on the decode graph and on the forward path; both results. */
async function bothPaths(req: ContinueRequest) {
  const decoded = await continueText(load, req);
  const forward = await continueText(load, { ...req, path: 'forward' });
  return { decoded, forward };
}

describe('continueText with the decode graph', () => {
  it.each([
    ['softmax attention (the default model)', defaultSpec()],
    ['linear attention (recurrent)', aloneSpec({ mixer: { kind: 'linear_attention', params: {} } }, SMALL)],
    ['Mamba-2 (recurrent)', aloneSpec({ mixer: { kind: 'mamba2', params: {} } }, SMALL)],
  ])('%s: greedy tokens equal the forward path’s, one timed step per token', async (_, spec) => {
    const req = request(spec, 'The cat sat', 8);
    const { decoded, forward } = await bothPaths(req);
    expect(decoded.tokens).toEqual(forward.tokens);
    expect(decoded.capacity).toBe(req.tokens.length + 8 - 1);
    expect(decoded.fallback).toBeNull();
    expect(forward.capacity).toBeNull();
    // The prompt's tokens fill the cache (all but the last, whose step chooses the first token), then one step per token made.
    const steps = decoded.msPerToken;
    expect(steps.filter((s) => s.prompt)).toHaveLength(req.tokens.length - 1);
    expect(steps.filter((s) => !s.prompt)).toHaveLength(8);
    expect(steps.map((s) => s.position)).toEqual(steps.map((_, i) => i));
    expect(steps.every((s) => s.path === 'decode' && s.ms > 0)).toBe(true);
    expect(forward.msPerToken.map((s) => s.position)).toEqual(Array.from({ length: 8 }, (_, i) => req.tokens.length - 1 + i));
  }, 120_000);

  it('sampled with temperature and top-k: the same draws on both paths, and top-k 1 is greedy', async () => {
    const spec = defaultSpec();
    const { decoded, forward } = await bothPaths(request(spec, 'hello', 8, { mode: 'sample', temperature: 1.3, topK: 5, seed: 11 }));
    expect(decoded.tokens).toEqual(forward.tokens);
    const greedy = await continueText(load, request(spec, 'hello', 8));
    const top1 = await continueText(load, request(spec, 'hello', 8, { mode: 'sample', temperature: 2, topK: 1, seed: 3 }));
    expect(top1.tokens).toEqual(greedy.tokens);
  }, 120_000);

  it('streams the steps with the tokens', async () => {
    const heard: { tokens: number; steps: number }[] = [];
    const req = request(defaultSpec(), 'abc', 3);
    await continueText(load, req, () => false, (p) => heard.push({ tokens: p.tokens.length, steps: p.msPerToken.length }));
    // Two prompt steps (cache only), then each step with its token.
    expect(heard).toEqual([
      { tokens: 0, steps: 1 },
      { tokens: 0, steps: 2 },
      { tokens: 1, steps: 3 },
      { tokens: 2, steps: 4 },
      { tokens: 3, steps: 5 },
    ]);
  }, 60_000);

  it('past the capacity (maxLen) the forward pass reads the last maxLen tokens, as the forward path does', async () => {
    const spec: Spec = { ...defaultSpec(), maxLen: 8 };
    const { decoded, forward } = await bothPaths(request(spec, 'abcdef', 5)); // lengths 6, 7, 8, then windows of 8
    expect(decoded.tokens).toEqual(forward.tokens);
    expect(decoded.capacity).toBe(8);
    expect(decoded.windowFrom).toBe(8);
    expect(forward.windowFrom).toBe(8);
    expect(decoded.msPerToken.map((s) => `${s.position}:${s.path}`).slice(-3)).toEqual(['7:decode', '8:forward', '9:forward']);
  }, 120_000);

  it('a model that cannot decode falls back to the forward pass with the reason in one sentence', async () => {
    const base = defaultSpec();
    const spec: Spec = { ...base, layers: base.layers.map((l) => ({ ...l, mixer: { kind: 'softmax_attention', params: { causal: false, kvHeads: 0 } } })) };
    const r = await continueText(load, request(spec, 'to be', 3));
    expect(r.tokens).toHaveLength(3);
    expect(r.capacity).toBeNull();
    expect(r.fallback).toMatch(/^Each token ran the forward pass over the whole text instead of the decode graph: layers\.0\.mixer: .*bidirectional.*\.$/);
    expect(r.fallback!.match(/\.(\s|$)/g)).toHaveLength(1); // one sentence
    expect(r.msPerToken.every((s) => s.path === 'forward' && !s.prompt)).toBe(true);
    const spectral = await continueText(load, request(aloneSpec({ mixer: { kind: 'spectral', params: {} } }, SMALL), 'to be', 2));
    expect(spectral.fallback).toMatch(/forward pass.*spectral|Spectral/i);
  }, 120_000);

  it('runs the decode graph on given (trained) weights, baked in (src/train/bake.ts, mode decode)', async () => {
    const spec = defaultSpec();
    const other: Spec = { ...spec, seed: 5 };
    // Seed 5's weights given as the trained ones of the seed-1 spec: the continuation is seed 5's.
    const weights = compile(other, { T: 8, mode: 'fast', fold: false })
      .initializers.filter((i) => i.trainable && i.data instanceof Float32Array)
      .map((i) => ({ name: i.tensor.name, dims: [...i.tensor.shape], data: i.data as Float32Array }));
    const trained = { key: 'trained 1 step 9', weights };
    const req = request(spec, 'The cat', 6);
    const r = await continueText(load, req, () => false, () => undefined, trained);
    expect(r.capacity).not.toBeNull();
    expect(r.weights).toBe('trained 1 step 9');
    expect(r.tokens).toEqual((await continueText(load, { ...req, spec: other })).tokens);
    expect(r.tokens).not.toEqual((await continueText(load, req)).tokens);
  }, 120_000);
});
