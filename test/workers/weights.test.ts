// A seed-only edit feeds the new seed's weights to the inspect session already made (weights as
// graph inputs), and weights can be fed by name to a kept session; the outputs are checked against
// the baked graph of the same weights run in native onnxruntime-node, and the float64 reference.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { findPreset } from '../../src/presets';
import { defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { analyse, recipe, seedWeights, serialise } from '../../workers/analyse';
import { referenceForward } from '../reference/forward64';
import { expectClose, nodeRuntime, nodeSessions, weightsOf } from '../helpers';

const TEXT = 'a seed edit';

/** The inspect outputs of `spec` compiled afresh with its weights baked in, run in onnxruntime-node. */
async function bakedNative(spec: Spec, tokens: number[]): Promise<Record<string, Float32Array>> {
  const session = await ortNode.InferenceSession.create(toOnnxBytes(compile(spec, { T: tokens.length, mode: 'inspect' })));
  const out = await session.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]) });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
}

describe('weights fed to kept sessions', () => {
  it('a seed-only edit reuses the inspect session and gives the outputs of a fresh baked graph of the new seed', async () => {
    const sessions = await nodeSessions();
    const one = defaultSpec();
    const seven = { ...one, seed: 7 };
    const tokens = tokenize(TEXT, one.maxLen).ids;
    const a = await analyse(sessions, { id: 1, spec: one, tokens });
    const b = await analyse(sessions, { id: 2, spec: seven, tokens });
    expect(sessions.created).toBe(1);
    expect(sessions.fed).toBe(1);
    expect(b.result.timings).toMatchObject({ reused: true, fed: true });

    const want = await bakedNative(seven, tokens);
    expectClose(b.result.logits, want['logits']!, 1e-5, 'seed 7 logits vs baked');
    b.held.maps.forEach((m, i) => expectClose(m, want[`attn_probs.${i}`]!, 1e-5, `seed 7 attn_probs.${i} vs baked`));
    expectClose(b.result.residRms, want['resid_rms']!, 1e-5, 'seed 7 resid_rms vs baked');
    const ref = referenceForward(seven, weightsOf(compile(seven, { T: tokens.length, mode: 'inspect' })), tokens, VOCAB_SIZE);
    expectClose(b.result.logits, ref.logits, 1e-4, 'seed 7 logits vs float64 reference');
    // The map changed with the seed.
    expect(Array.from(b.held.maps[0]!)).not.toEqual(Array.from(a.held.maps[0]!));

    // Back to seed 1: fed again, and exactly the first answer.
    const c = await analyse(sessions, { id: 3, spec: one, tokens });
    expect([sessions.created, sessions.fed]).toEqual([1, 2]);
    expect(Array.from(c.result.logits)).toEqual(Array.from(a.result.logits));
    // A text of the same length with the same seed: neither built nor fed.
    const d = await analyse(sessions, { id: 4, spec: one, tokens: tokenize('b seed edit', one.maxLen).ids });
    expect([sessions.created, sessions.fed]).toEqual([1, 2]);
    expect(d.result.timings).toMatchObject({ reused: true, fed: false });
    // Any other change is another graph.
    await analyse(sessions, { id: 5, spec: { ...seven, nHeads: 2 }, tokens });
    expect([sessions.created, sessions.fed]).toEqual([2, 2]);
    sessions.releaseAll();
  });

  it('keeps the fast graph baked: a seed edit builds a new fast session', async () => {
    const sessions = await nodeSessions();
    const spec = defaultSpec();
    const T = 5;
    expect(recipe(spec, T, 'fast').weights).toBeUndefined();
    await sessions.get('a', 'fast', recipe(spec, T, 'fast'));
    await sessions.get('a', 'fast', recipe({ ...spec, seed: 9 }, T, 'fast'));
    expect([sessions.created, sessions.fed]).toEqual([2, 0]);
    sessions.releaseAll();
  });

  it('keeps σReparam specs baked (their σ comes from the drawn weights): a seed edit builds a new session', async () => {
    const sessions = await nodeSessions();
    const spec = findPreset('sigma-reparam')!.spec();
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    await analyse(sessions, { id: 1, spec, tokens });
    const b = await analyse(sessions, { id: 2, spec: { ...spec, seed: 5 }, tokens });
    expect([sessions.created, sessions.fed]).toEqual([2, 0]);
    expectClose(b.result.logits, (await bakedNative({ ...spec, seed: 5 }, tokens))['logits']!, 1e-5, 'σReparam seed 5 logits vs baked');
    sessions.releaseAll();
  });

  it('feeds weights by name to a kept session (as trained weights will be), and the next seed request feeds the seed back', async () => {
    const sessions = await nodeSessions();
    const spec = defaultSpec();
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const first = await analyse(sessions, { id: 1, spec, tokens });
    // "Trained" weights: the embedding halved, every other weight as drawn.
    const seed = seedWeights(spec, T, 'inspect');
    const embed = seed.find((w) => w.name === 'embed.tokens')!;
    const halved = Float32Array.from(embed.data as Float32Array, (v) => v / 2);
    const model = await sessions.feed('a', 'inspect', 'trained 1', [{ ...embed, data: halved }]);
    const out = await model.run(tokens);
    const drawn = weightsOf(compile(spec, { T, mode: 'inspect' }));
    const ref = referenceForward(spec, (name) => (name === 'embed.tokens' ? Float64Array.from(halved) : drawn(name)), tokens, VOCAB_SIZE);
    expectClose(out['logits']!.data, ref.logits, 1e-4, 'fed logits vs float64 reference');
    expect([sessions.created, sessions.fed]).toEqual([1, 1]);
    // The page asks for seed 1 again: its weights are fed back, and the first answer returns.
    const again = await analyse(sessions, { id: 2, spec, tokens });
    expect([sessions.created, sessions.fed]).toEqual([1, 2]);
    expect(Array.from(again.result.logits)).toEqual(Array.from(first.result.logits));
    sessions.releaseAll();
  });

  it('refuses weights the graph does not take, a session with baked weights, and a run before every weight is fed', async () => {
    const sessions = await nodeSessions();
    const spec = defaultSpec();
    const tokens = [2, 3, 4];
    await analyse(sessions, { id: 1, spec, tokens });
    await expect(sessions.feed('a', 'inspect', 'x', [{ name: 'layers.9.nothing', dims: [1], data: new Float32Array(1) }])).rejects.toThrow('no weight input named layers.9.nothing');
    await expect(sessions.feed('b', 'inspect', 'x', [])).rejects.toThrow('no inspect session is held for model B');
    await sessions.get('a', 'fast', recipe(spec, 3, 'fast'));
    await expect(sessions.feed('a', 'fast', 'x', [])).rejects.toThrow('has its weights baked in');
    const bare = await (await nodeRuntime()).load(serialise(spec, 3, 'inspect', 'inputs'));
    expect(bare.weightNames).toContain('embed.tokens');
    await expect(bare.run(tokens)).rejects.toThrow(/no values fed for the weight inputs embed\.tokens/);
    await bare.release();
    sessions.releaseAll();
  });
});
