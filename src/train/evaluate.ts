/**
 * A trained model scored on examples of another length than it trained on: the eval graph of the
 * same spec built at the new shape (graph shapes are static), fed the same weights. This is how the
 * length-generalisation experiments evaluate (issue 18): a position scheme that generalises keeps
 * its accuracy at 2× and 4× the training length; learned absolute positions meet rows they never
 * trained (the spec's maxLen must cover the length).
 */
import { toOnnxBytes } from '../graph/onnx';
import type { Spec } from '../spec/types';
import { evalGraph, type StepShape } from './step';
import type { Examples, OrtLike, OrtTensor } from './trainer';

/** Loss and accuracy over batches, each scored position weighted equally (a batch reports its means over its scored positions). */
export async function scoreBatches(batches: readonly Examples[], run: (ex: Examples) => Promise<{ loss: number; accuracy: number }>): Promise<{ loss: number; accuracy: number }> {
  let loss = 0;
  let right = 0;
  let count = 0;
  for (const ex of batches) {
    const scored = Array.from(ex.lossMask).reduce((s, v) => s + v, 0);
    const r = await run(ex);
    loss += r.loss * scored;
    right += r.accuracy * scored;
    count += scored;
  }
  return { loss: loss / Math.max(count, 1), accuracy: right / Math.max(count, 1) };
}

/**
 * Scores `state` (the trainer's weights and σReparam vectors by input name: Trainer.readState) on
 * `batches` of `shape.batch` rows of `shape.T` tokens, in a session of its own made and released here.
 */
export async function evaluateAt(ort: OrtLike, spec: Spec, state: ReadonlyMap<string, Float32Array>, shape: StepShape, batches: readonly Examples[], providers: string[] = ['wasm']): Promise<{ loss: number; accuracy: number }> {
  const graph = evalGraph(spec, shape);
  const session = await ort.InferenceSession.create(toOnnxBytes(graph), { executionProviders: providers, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const { T, batch: B } = shape;
  const ints = (xs: ArrayLike<number>) => new ort.Tensor('int64', BigInt64Array.from(Array.from(xs), (v) => BigInt(v)), [B, T]);
  try {
    const weights: Record<string, OrtTensor> = {};
    for (const input of graph.inputs) {
      if (input.name === 'tokens' || input.name === 'targets' || input.name === 'loss_mask') continue;
      const value = state.get(input.name);
      if (!value) throw new Error(`no value for the eval graph's input ${input.name}`);
      weights[input.name] = new ort.Tensor('float32', value, [...input.shape]);
    }
    return await scoreBatches(batches, async (ex) => {
      if (ex.tokens.length !== B * T) throw new Error(`a batch must hold ${B} × ${T} = ${B * T} positions, got ${ex.tokens.length}`);
      const out = await session.run({ tokens: ints(ex.tokens), targets: ints(ex.targets), loss_mask: new ort.Tensor('float32', Float32Array.from(Array.from(ex.lossMask)), [B, T]), ...weights });
      const read = async (name: string) => ((await out[name]!.getData()) as Float32Array)[0]!;
      const r = { loss: await read('loss'), accuracy: await read('accuracy') };
      Object.values(out).forEach((t) => t.dispose());
      return r;
    });
  } finally {
    await session.release();
  }
}
