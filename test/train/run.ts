/** Running a training graph in tests: onnxruntime-web (WASM) in Node, any named feeds. */
import * as ort from 'onnxruntime-web';
import type { Graph } from '../../src/graph/ir';
import { toOnnxBytes } from '../../src/graph/onnx';

export type Feed = Float32Array | BigInt64Array;
export interface Out {
  dims: number[];
  data: Float32Array;
}

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

/** A session of `graph`; `run` takes feeds by input name (shapes from the graph) and returns every output. */
export async function session(graph: Graph): Promise<{ run(feeds: Record<string, Feed>): Promise<Record<string, Out>>; release(): Promise<void> }> {
  const s = await ort.InferenceSession.create(toOnnxBytes(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const shapes = new Map(graph.inputs.map((t) => [t.name, t.shape]));
  return {
    async run(feeds) {
      const tensors = Object.fromEntries(
        Object.entries(feeds).map(([name, data]) => [name, new ort.Tensor(data instanceof BigInt64Array ? 'int64' : 'float32', data, [...(shapes.get(name) ?? [])])]),
      );
      const out = await s.run(tensors);
      const result: Record<string, Out> = {};
      for (const [name, t] of Object.entries(out)) result[name] = { dims: [...t.dims], data: (await t.getData(true)) as Float32Array };
      return result;
    },
    release: () => s.release(),
  };
}

export { rng } from '../helpers';
