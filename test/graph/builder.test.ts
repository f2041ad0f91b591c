import { describe, expect, it, vi } from 'vitest';
import { broadcastShapes, GraphBuilder, ShapeError } from '../../src/graph/builder';
import * as ort from 'onnxruntime-web';
import { normalValues } from '../../src/graph/init';
import { toOnnxBytes } from '../../src/graph/onnx';
import { nodeRuntime } from '../helpers';

// Every weight stream is drawn through normalValues: counting its calls shows when weights are drawn.
vi.mock('../../src/graph/init', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/graph/init')>();
  return { ...actual, normalValues: vi.fn(actual.normalValues) };
});

describe('GraphBuilder shape checks', () => {
  it('broadcasts like numpy', () => {
    expect(broadcastShapes([1, 4, 5, 5], [5, 5])).toEqual([1, 4, 5, 5]);
    expect(broadcastShapes([3, 1], [1, 7])).toEqual([3, 7]);
    expect(broadcastShapes([], [2, 2])).toEqual([2, 2]);
    expect(broadcastShapes([3], [4])).toBeNull();
  });

  it('infers static shapes through matmul, transpose, reshape, gather and concat', () => {
    const b = new GraphBuilder('g', 1);
    const x = b.input('x', 'float32', [1, 6, 8]);
    const w = b.param('w', [8, 4], { kind: 'normal', std: 1 });
    const y = b.matmul(x, w);
    expect(y.shape).toEqual([1, 6, 4]);
    expect(b.transpose(b.reshape(y, [1, 6, 2, 2]), [0, 2, 1, 3]).shape).toEqual([1, 2, 6, 2]);
    const idx = b.input('i', 'int64', [1, 3]);
    expect(b.gather(w, idx).shape).toEqual([1, 3, 4]);
    expect(b.concat([b.reduceMean(x, [-1], false), b.reduceMean(x, [-1], false)], 0).shape).toEqual([2, 6]);
    expect(b.reduceSum(x, [-1], true).shape).toEqual([1, 6, 1]);
  });

  it('fails with the layer and block in the message', () => {
    const b = new GraphBuilder('g', 1);
    const x = b.input('x', 'float32', [1, 6, 8]);
    const w = b.param('w', [7, 4], { kind: 'normal', std: 1 });
    const attempt = () => b.scope('layer 2', () => b.scope('softmax_attention', () => b.matmul(x, w)));
    expect(attempt).toThrow(ShapeError);
    expect(attempt).toThrow('layer 2 · softmax_attention: MatMul inner dimensions differ: [1, 6, 8] × [7, 4]');
  });

  it('refuses reshapes that change the element count, bad perms and type mixes', () => {
    const b = new GraphBuilder('g', 1);
    const x = b.input('x', 'float32', [2, 3]);
    expect(() => b.reshape(x, [4, 2])).toThrow(/changes the element count/);
    expect(() => b.transpose(x, [0, 0])).toThrow(/perm/);
    expect(() => b.add(x, b.constant('i', 'int64', [1], [1]))).toThrow(/one type/);
    expect(() => b.add(x, b.input('y', 'float32', [4]))).toThrow(/cannot broadcast \[2, 3\] with \[4\]/);
  });

  it('refuses a name used twice and a graph without outputs', () => {
    const b = new GraphBuilder('g', 1);
    b.input('x', 'float32', [1]);
    expect(() => b.input('x', 'float32', [1])).toThrow(/used twice/);
    expect(() => b.finish()).toThrow(/no outputs/);
  });

  it('records op, inputs, attributes and scope on every node (what a backward pass needs)', () => {
    const b = new GraphBuilder('g', 1);
    const x = b.input('x', 'float32', [2, 3]);
    const y = b.scope('layer 0', () => b.softmax(x, -1));
    b.output(y, 'y');
    const g = b.finish();
    const node = g.nodes.find((n) => n.op === 'Softmax')!;
    expect(node.inputs).toEqual([x]);
    expect(node.outputs).toEqual([y]);
    expect(node.attrs).toEqual({ axis: { type: 'int', value: 1 } });
    expect(node.scope).toBe('layer 0');
  });
});

describe('GraphBuilder ops for the block catalog', () => {
  it('infers shapes of slice, clip, reduceMax, cumSum, cast and comparisons', () => {
    const b = new GraphBuilder('g', 1);
    const x = b.input('x', 'float32', [1, 4, 6]);
    expect(b.slice(x, [-1], [2], [5]).shape).toEqual([1, 4, 3]);
    expect(b.clip(x, undefined, 0).shape).toEqual([1, 4, 6]);
    expect(b.reduceMax(x, [-1], true).shape).toEqual([1, 4, 1]);
    expect(b.cumSum(x, 1).shape).toEqual([1, 4, 6]);
    const c = b.less(x, b.scalar(0));
    expect(c.dtype).toBe('bool');
    expect(b.cast(c, 'float32').dtype).toBe('float32');
    expect(() => b.slice(x, [1], [3], [9])).toThrow(/Slice/);
    expect(() => b.clip(b.cast(x, 'int64'))).toThrow(/float32/);
  });
});

describe('GraphBuilder weights', () => {
  it('draws a weight\'s values on first read, once, and keeps them', () => {
    const draws = vi.mocked(normalValues);
    draws.mockClear();
    const b = new GraphBuilder('g', 3);
    const w = b.param('w', [8, 4], { kind: 'normal', std: 0.5 });
    const z = b.param('z', [4], { kind: 'constant', value: 2 });
    b.output(b.add(b.matmul(b.input('x', 'float32', [1, 8]), w), z), 'y');
    const g = b.finish();
    expect(draws).not.toHaveBeenCalled();
    const values = g.initializers.find((i) => i.tensor.name === 'w')!.data as Float32Array;
    expect(draws).toHaveBeenCalledTimes(1);
    expect(b.valueOf(w)).toBe(values); // the same array: drawn once, then kept
    expect(draws).toHaveBeenCalledTimes(1);
    expect(Array.from(values)).toEqual(Array.from(draws.getMockImplementation()!(3, 'w', 32, 0.5)));
    expect(Array.from(b.valueOf(z) as Float32Array)).toEqual([2, 2, 2, 2]);
  });

  it('shares a weight\'s values with another graph that holds the same one (the inspect and fast graphs of one analysis)', () => {
    const build = (seed: number, std = 0.25) => {
      const b = new GraphBuilder('g', seed);
      b.output(b.matmul(b.input('x', 'float32', [1, 6]), b.param('shared.w', [6, 5], { kind: 'normal', std })), 'y');
      return b.finish();
    };
    const read = (g: ReturnType<typeof build>) => g.initializers.find((i) => i.tensor.name === 'shared.w')!.data as Float32Array;
    const first = build(17);
    const values = read(first);
    expect(read(build(17))).toBe(values); // drawn once: the same (read-only) array, from the weight cache
    expect(read(build(18))).not.toEqual(values); // another seed, another stream
    expect(read(build(17, 0.5))).not.toEqual(values); // another scale
    expect(read(first)).toBe(values);
  });
});

describe('GraphBuilder.concat with many inputs', () => {
  it('builds a tree of Concats of at most 7 inputs (WebGPU binds 8 storage buffers) that gives the plain concatenation', async () => {
    const b = new GraphBuilder('concat_tree', 1);
    const x = b.input('x', 'float32', [1, 2]);
    const parts = Array.from({ length: 20 }, (_, i) => b.mul(x, b.scalar(i)));
    b.output(b.concat(parts, 0), 'out');
    const graph = b.finish();
    const concats = graph.nodes.filter((n) => n.op === 'Concat');
    expect(concats.length).toBeGreaterThan(1);
    expect(Math.max(...concats.map((n) => n.inputs.length))).toBeLessThanOrEqual(7);
    await nodeRuntime(); // sets onnxruntime-web up
    const session = await ort.InferenceSession.create(toOnnxBytes(graph));
    const out = (await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, -1]), [1, 2]) }))['out']!;
    await session.release();
    expect(out.dims).toEqual([20, 2]);
    expect(Array.from(out.data as Float32Array, (v) => v + 0)).toEqual(Array.from({ length: 20 }, (_, i) => [i, -i]).flat().map((v) => v + 0)); // + 0: −0 reads as 0
  });
});
