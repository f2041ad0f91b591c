// Scoring a trained model at another sequence length (src/train/evaluate.ts): at the training
// length it equals the trainer's own evaluation; at twice the length it equals a second path — the
// trained weights baked into a fast graph at that length (src/train/bake.ts), run row by row in
// onnxruntime-node, with the masked cross-entropy and argmax accuracy computed here in float64.
import * as ortNode from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultSpec } from '../../src/spec/defaults';
import { VOCAB_SIZE } from '../../src/spec/vocab';
import { bakeWeights } from '../../src/train/bake';
import { evaluateAt } from '../../src/train/evaluate';
import { heldOutBatches, recipe, train } from '../../src/train/run';
import { findTask } from '../../src/train/tasks/registry';
import type { OrtLike } from '../../src/train/trainer';

const ort = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;

it('scores trained weights at the training length as the trainer does, and at twice it as a baked graph does', async () => {
  const spec = defaultSpec();
  const r = recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 8, batch: 16, steps: 60, seed: 2 });
  const run = await train(ort, spec, r, { trainer: { providers: ['cpu'] } });
  const trainer = run.trainer;
  const state = await trainer.readState();
  const task = findTask('copy')!;
  try {
    const atT = heldOutBatches(task.heldOut(r.taskParams, 8), 16);
    expect(await evaluateAt(ort, { ...spec, seed: r.seed }, state, { T: 8, batch: 16 }, atT, ['cpu'])).toEqual(await trainer.evaluate(atT));

    const T2 = 16;
    const held = task.heldOut(r.taskParams, T2);
    const got = await evaluateAt(ort, { ...spec, seed: r.seed }, state, { T: T2, batch: 16 }, heldOutBatches(held, 16), ['cpu']);
    // The second path: the fast graph at T2 with the weights baked in, one row at a time.
    const weights = await trainer.weights();
    const session = await (ortNode as unknown as typeof ortNode).InferenceSession.create(toOnnxBytes(bakeWeights({ ...spec, seed: r.seed }, { T: T2, mode: 'fast' }, weights)));
    let loss = 0;
    let right = 0;
    let count = 0;
    for (let b = 0; b < held.B; b++) {
      const row = BigInt64Array.from(Array.from(held.tokens.subarray(b * T2, (b + 1) * T2)), BigInt);
      const logits = (await session.run({ tokens: new ortNode.Tensor('int64', row, [1, T2]) }))['logits']!.data as Float32Array;
      for (let t = 0; t < T2; t++) {
        if (!held.lossMask[b * T2 + t]) continue;
        const z = Array.from(logits.subarray(t * VOCAB_SIZE, (t + 1) * VOCAB_SIZE));
        const max = Math.max(...z);
        const logSum = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
        const target = held.targets[b * T2 + t]!;
        loss += logSum - z[target]!;
        right += z.indexOf(max) === target ? 1 : 0;
        count++;
      }
    }
    await session.release();
    expect(Math.abs(got.loss - loss / count)).toBeLessThan(1e-4 * Math.max(1, loss / count));
    expect(Math.abs(got.accuracy - right / count)).toBeLessThanOrEqual(1 / count + 1e-9); // a float32 near-tie may flip one argmax
  } finally {
    await trainer.release();
  }
}, 300_000);

it('refuses a state missing a weight, naming it', async () => {
  const spec = defaultSpec();
  const bad = { tokens: [1, 2], targets: [2, 3], lossMask: [1, 1] };
  await expect(evaluateAt(ort, spec, new Map(), { T: 4, batch: 1 }, [bad], ['cpu'])).rejects.toThrow(/no value for the eval graph's input/);
});
