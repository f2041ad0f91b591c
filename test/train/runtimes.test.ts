// The same ten training steps on onnxruntime-web (WASM, in Node) and on onnxruntime-node (CPU) give
// the same losses to 1e-4, and two runs with the same seed and thread count give identical losses.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { recipe, train } from '../../src/train/run';
import type { OrtLike } from '../../src/train/trainer';

ortWeb.env.wasm.numThreads = 1;
const node = ((ortNode as unknown as { default?: OrtLike }).default ?? ortNode) as unknown as OrtLike;
const spec = { ...defaultSpec(), dModel: 32, nHeads: 2 };
const r = recipe({ task: 'copy', taskParams: { maxLen: 6 }, T: 12, batch: 4, steps: 10, lr: 3e-3, warmup: 2, evalEvery: 10 });

async function losses(ort: OrtLike, providers: string[]): Promise<number[]> {
  const result = await train(ort, spec, r, { trainer: { providers } });
  await result.trainer.release();
  return result.steps.map((s) => s.loss);
}

it('onnxruntime-web and onnxruntime-node take the same ten steps', async () => {
  const web = await losses(ortWeb as unknown as OrtLike, ['wasm']);
  const cpu = await losses(node, ['cpu']);
  expect(web).toHaveLength(10);
  web.forEach((l, i) => expect(Math.abs(l - cpu[i]!), `step ${i + 1}: ${l} vs ${cpu[i]}`).toBeLessThan(1e-4));
  expect(web[9]!).toBeLessThan(web[0]!); // and they learn
}, 300_000);

it('two runs with the same seed give identical losses', async () => {
  const a = await losses(ortWeb as unknown as OrtLike, ['wasm']);
  const b = await losses(ortWeb as unknown as OrtLike, ['wasm']);
  expect(b).toEqual(a);
}, 300_000);
