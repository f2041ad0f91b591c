/**
 * A LoadedModel on an onnxruntime-node session: the parts the decode driver uses (src/decode/driver.ts),
 * for the eviction-cost script and the e2e check that compares the page with native onnxruntime.
 */
import * as ort from 'onnxruntime-node';
import type { LoadedModel } from '../../src/runtime/ort';

/** The parts of a LoadedModel the decode driver uses, on an onnxruntime-node session. */
export async function nodeModel(bytes: Uint8Array): Promise<LoadedModel> {
  const session = await ort.InferenceSession.create(bytes);
  const fed: Record<string, ort.Tensor> = {};
  const model = {
    weightNames: session.inputNames.filter((n) => n !== 'tokens'),
    setWeights: async (ws: { name: string; dims: number[]; data: Float32Array }[]) => {
      for (const w of ws) fed[w.name] = new ort.Tensor('float32', w.data, w.dims);
    },
    run: async (tokens: number[]) => {
      const out = await session.run({ ...fed, tokens: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, tokens.length]) });
      return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: [...v.dims], data: v.data as Float32Array }]));
    },
    release: () => session.release(),
  };
  return model as unknown as LoadedModel;
}
