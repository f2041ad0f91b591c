// Keeping what was learned (issue 17 item 8), worker side: weights restored into a slot without a
// job (Jobs.restore) are what the slot's analyses run on (float64 reference forward pass on those
// weights); the trained-model file (src/train/trainedFile.ts) runs in native onnxruntime-node to the
// same logits, its held-out accuracy computed here from its logits (masked positions, argmax) equals
// the job's last evaluation, it reads back to the same spec, recipe and weights, and files that are
// not ours, broken, or whose weights do not fit their spec are refused with the reason.
import * as ortNode from 'onnxruntime-node';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultSpec } from '../../src/spec/defaults';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { recipe as trainRecipe } from '../../src/train/run';
import { findTask } from '../../src/train/tasks/registry';
import { readTrainedFile, trainedOnnx, TRAINED_META } from '../../src/train/trainedFile';
import type { OrtLike } from '../../src/train/trainer';
import { analyse } from '../../workers/analyse';
import type { TrainedWeights } from '../../workers/api';
import { Jobs } from '../../workers/jobs';
import { Sessions } from '../../workers/sessions';
import { referenceForward } from '../reference/forward64';
import { expectClose, nodeRuntime } from '../helpers';
import * as onnxProto from 'onnx-proto';

const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;
const ORT = ort as unknown as OrtLike;
const spec = defaultSpec();
const r = trainRecipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, batch: 4, steps: 12, lr: 3e-3, warmup: 2, evalEvery: 6, seed: 3 });
const tokens = tokenize('abcd|abcd', spec.maxLen).ids;

const reference = (w: TrainedWeights['weights'], ids: number[]) => {
  const byName = new Map(w.map((x) => [x.name, x.data]));
  return referenceForward({ ...spec, seed: r.seed }, (name) => Float64Array.from(byName.get(name)!), ids, VOCAB_SIZE);
};

async function trained() {
  const rt = await nodeRuntime();
  const jobs = new Jobs(rt, ORT);
  const result = await jobs.train({ spec, recipe: r });
  return { rt, jobs, result, weights: (await jobs.trainedWeights('a'))! };
}

describe('trained weights kept and shared', () => {
  it('restored into a slot without a job, they are what its analyses run on (float64 reference)', async () => {
    const { weights } = await trained();
    const rt = await nodeRuntime();
    const jobs = new Jobs(rt, ORT);
    const sessions = new Sessions(rt);
    const state = await jobs.restore('b', { spec, recipe: r, step: weights.step, weights: weights.weights });
    expect(state).toMatchObject({ status: 'done', step: 12, reports: [], evaluations: [] });
    const held = (await jobs.weightsFor('b', spec))!;
    expect(held.key).toBe(`trained ${state.id} step 12`);
    expect(await jobs.weightsFor('a', spec)).toBeNull();
    const { result } = await analyse(sessions, { id: 1, slot: 'b', spec, tokens }, () => false, () => undefined, held);
    expect(result.weights).toBe(held.key);
    expectClose(result.logits, reference(weights.weights, tokens).logits, 1e-4, 'restored logits vs float64 reference');
    // They come back as given.
    const back = (await jobs.trainedWeights('b'))!;
    back.weights.forEach((w) => expect(Array.from(w.data), w.name).toEqual(Array.from(weights.weights.find((x) => x.name === w.name)!.data)));

    // Weights that do not fit are refused before the slot's job is touched.
    const wrong = weights.weights.map((w, i) => (i === 0 ? { ...w, dims: [w.dims[0]! - 1, w.dims[1]!], data: w.data.subarray(w.dims[1]!) } : w));
    await expect(jobs.restore('b', { spec, recipe: r, step: 1, weights: wrong })).rejects.toThrow(/do not fit the model: embed.tokens is \[96, 64\]/);
    await expect(jobs.restore('b', { spec, recipe: r, step: 1, weights: weights.weights.slice(1) })).rejects.toThrow(/embed.tokens is missing/);
    expect(jobs.state('b')).toMatchObject({ id: state.id, step: 12 });
    // A restored job never trains; a new job replaces it.
    await jobs.reset('b');
    expect(await jobs.weightsFor('b', spec)).toBeNull();
  });

  it('a stopped run ends with a held-out evaluation of the weights it keeps', async () => {
    const rt = await nodeRuntime();
    const jobs = new Jobs(rt, ORT);
    const res = await jobs.train({ spec, recipe: { ...r, steps: 40 }, reportEvery: 1 }, (p) => {
      if (p.step === 3) void jobs.stop('a');
    });
    expect(res.status).toBe('stopped');
    expect(res.evaluation?.step).toBe(res.step);
    expect(jobs.state('a')!.evaluations.map((e) => e.step)).toEqual([res.step]);
  });

  it('the exported file runs in onnxruntime-node to the reference logits, scores the job’s held-out accuracy, and reads back', async () => {
    const { result, weights } = await trained();
    const trainedSpec = { ...spec, seed: r.seed };
    // Logits of the fast file in native onnxruntime against the float64 reference.
    const fast = trainedOnnx(trainedSpec, r, weights.step, weights.weights, { T: tokens.length, mode: 'fast' });
    const session = await ortNode.InferenceSession.create(fast);
    const out = await session.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(tokens.map(BigInt)), [1, tokens.length]) });
    expectClose(out['logits']!.data as Float32Array, reference(weights.weights, tokens).logits, 1e-4, 'exported logits vs float64 reference');

    // Held-out accuracy from the file's logits: masked positions, argmax against the target.
    const held = findTask(r.task)!.heldOut(r.taskParams, r.T, r.text);
    const file = await ortNode.InferenceSession.create(trainedOnnx(trainedSpec, r, weights.step, weights.weights, { T: r.T, mode: 'fast' }));
    let right = 0;
    let count = 0;
    for (let b = 0; b < held.B; b++) {
      const row = held.tokens.subarray(b * r.T, (b + 1) * r.T);
      const logits = (await file.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(Array.from(row), BigInt), [1, r.T]) }))['logits']!.data as Float32Array;
      for (let t = 0; t < r.T; t++) {
        if (!held.lossMask[b * r.T + t]) continue;
        let best = 0;
        for (let v = 1; v < VOCAB_SIZE; v++) if (logits[t * VOCAB_SIZE + v]! > logits[t * VOCAB_SIZE + best]!) best = v;
        count++;
        if (best === held.targets[b * r.T + t]) right++;
      }
    }
    expect(count).toBeGreaterThan(0);
    // Two graphs in float32: an argmax may flip at a near-tie, one position at most.
    expect(Math.abs(right / count - result.evaluation!.accuracy)).toBeLessThanOrEqual(1 / count + 1e-9);

    // It reads back: spec, recipe, step and every weight bit for bit.
    const inspect = trainedOnnx(trainedSpec, r, weights.step, weights.weights, { T: 8, mode: 'inspect' });
    const back = readTrainedFile(inspect);
    if (!back.ok) throw new Error(back.reason);
    expect(back.spec).toEqual(trainedSpec);
    expect(back.recipe).toEqual(r);
    expect(back.step).toBe(12);
    expect(back.weights.map((w) => w.name)).toEqual(weights.weights.map((w) => w.name));
    back.weights.forEach((w, i) => {
      expect(w.dims).toEqual(weights.weights[i]!.dims);
      expect(Array.from(w.data)).toEqual(Array.from(weights.weights[i]!.data));
    });
  });

  it('refuses, with the reason, files that are not ours, broken, or whose weights do not fit their spec', async () => {
    const { weights } = await trained();
    const good = trainedOnnx({ ...spec, seed: r.seed }, r, weights.step, weights.weights, { T: 8, mode: 'fast' });
    const refused = (bytes: Uint8Array) => {
      const f = readTrainedFile(bytes);
      return f.ok ? 'accepted' : f.reason;
    };
    expect(refused(new TextEncoder().encode('not a model at all, just text'))).toMatch(/not an ONNX file|not an ONNX model/);
    expect(refused(good.subarray(0, Math.floor(good.length / 2)))).toMatch(/not an ONNX file, or it is damaged/);
    expect(refused(toOnnxBytes(compile(spec, { T: 8, mode: 'fast' })))).toMatch(/not a trained model exported from Transformer Playground/);

    // The same file with its metadata altered.
    const altered = (edit: (meta: Map<string, string>) => void) => {
      const m = onnx.ModelProto.decode(good);
      const meta = new Map(m.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
      edit(meta);
      m.metadataProps = [...meta].map(([key, value]) => onnx.StringStringEntryProto.create({ key, value }));
      return onnx.ModelProto.encode(m).finish();
    };
    expect(refused(altered((m) => m.set(TRAINED_META.spec, '{"dModel": 6')))).toMatch(/spec is not valid JSON/);
    expect(refused(altered((m) => m.set(TRAINED_META.spec, JSON.stringify({ ...spec, nHeads: 5 }))))).toMatch(/its spec is not valid: .*nHeads/);
    expect(refused(altered((m) => m.set(TRAINED_META.recipe, JSON.stringify({ ...r, lr: -1 }))))).toMatch(/its recipe is not valid: train\.lr/);
    expect(refused(altered((m) => m.set(TRAINED_META.spec, JSON.stringify({ ...spec, dModel: 32 }))))).toMatch(/weights do not match its spec: embed.tokens is \[97, 64\], the spec's model has \[97, 32\]/);
    expect(refused(altered((m) => m.set(TRAINED_META.spec, JSON.stringify({ ...spec, layers: [...spec.layers, spec.layers[0]!] }))))).toMatch(/weights do not match its spec: the weight layers\.\d+\.\S+ is missing/);
  });
});
