/**
 * Trained models the page exports, checked outside it: a trained ONNX file's held-out accuracy in
 * onnxruntime-node (masked positions, argmax against the target: src/train/trainer.ts's
 * definition, computed here from the file's logits), and the downloads that carry them.
 */
import * as ort from 'onnxruntime-node';
import type { Page } from '@playwright/test';
import { VOCAB_SIZE } from '../src/spec/vocab';
import { findTask } from '../src/train/tasks/registry';

/** The bytes of the file a click on `testId` downloads. */
export async function downloaded(page: Page, testId: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const stream = await file.createReadStream();
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** Held-out accuracy of a trained fast ONNX file (batch 1, at the recipe's T) in onnxruntime-node. */
export async function heldOutAccuracy(bytes: Buffer, recipe: { task: string; taskParams: Record<string, unknown>; T: number; text?: string }): Promise<{ accuracy: number; count: number }> {
  const held = findTask(recipe.task)!.heldOut(recipe.taskParams, recipe.T, recipe.text);
  const session = await ort.InferenceSession.create(bytes);
  const T = recipe.T;
  let right = 0;
  let count = 0;
  for (let b = 0; b < held.B; b++) {
    const row = BigInt64Array.from(Array.from(held.tokens.subarray(b * T, (b + 1) * T)), BigInt);
    const logits = (await session.run({ tokens: new ort.Tensor('int64', row, [1, T]) }))['logits']!.data as Float32Array;
    for (let t = 0; t < T; t++) {
      if (!held.lossMask[b * T + t]) continue;
      let best = 0;
      for (let v = 1; v < VOCAB_SIZE; v++) if (logits[t * VOCAB_SIZE + v]! > logits[t * VOCAB_SIZE + best]!) best = v;
      count++;
      if (best === held.targets[b * T + t]) right++;
    }
  }
  await session.release();
  return { accuracy: right / count, count };
}
