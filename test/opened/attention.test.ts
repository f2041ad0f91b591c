/**
 * findAttention and tapModel on hand-built graphs: torch's [B·H, T, T] attention (heads from a
 * Reshape constant; the tapped probabilities checked against a float64 loop written here), fused
 * nodes, and Softmaxes that are not attention.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findAttention } from '../../src/opened/attention';
import { readModel } from '../../src/opened/read';
import { tapModel, tapName, tapNames } from '../../src/opened/tap';
import { probeMaps } from '../../src/opened/probes';
import { bytesOf, floats, FLOAT, ints, model, node, onnx, vi, type Parts } from './build';
import { expectClose } from '../helpers';

const T = 5;
const H = 2;
const dh = 4;
const D = H * dh;
const wAt = (s: number) => (i: number) => Math.sin(s * 7.1 + i * 1.3) * 0.5;
const xAt = (i: number) => Math.cos(i * 0.7) * 0.8;
const maskAt = (i: number) => (i % T > Math.floor(i / T) ? -1e4 : 0); // causal, additive

/** x [1, T, D] → per-head q, k, v of shape [H, T, dh] (torch's bsz·heads layout) → Div √dh → Add mask → Softmax → MatMul v. */
function torch3d(): Parts {
  const proj = (w: string, o: string): ReturnType<typeof node>[] => [
    node('MatMul', ['x', w], [`${o}0`]),
    node('Reshape', [`${o}0`, 'shape4'], [`${o}1`]),
    node('Transpose', [`${o}1`], [`${o}2`], { perm: [0, 2, 1, 3] }),
    node('Reshape', [`${o}2`, 'shape3'], [o]),
  ];
  return {
    nodes: [
      ...proj('Wq', 'q'), ...proj('Wk', 'k'), ...proj('Wv', 'v'),
      node('Transpose', ['k'], ['kT'], { perm: [0, 2, 1] }),
      node('MatMul', ['q', 'kT'], ['scores']),
      node('Div', ['scores', 'sqrt_dh'], ['scaled']),
      node('Add', ['scaled', 'mask'], ['masked']),
      node('Softmax', ['masked'], ['probs'], { axis: -1 }),
      node('MatMul', ['probs', 'v'], ['y']),
    ],
    inputs: [vi('x', FLOAT, [1, T, D])],
    outputs: [vi('y', FLOAT, null)],
    initializers: [
      floats('Wq', [D, D], wAt(1)), floats('Wk', [D, D], wAt(2)), floats('Wv', [D, D], wAt(3)),
      ints('shape4', [1, -1, H, dh]), ints('shape3', [H, -1, dh]),
      floats('sqrt_dh', [], () => Math.sqrt(dh)), floats('mask', [T, T], maskAt),
    ],
  };
}

/** The same attention's probabilities [H, T, T] in float64 loops, from the weights' formulas. */
function reference(): Float64Array {
  const proj = (s: number) => {
    const w = wAt(s);
    const out = new Float64Array(H * T * dh); // [H, T, dh]
    for (let t = 0; t < T; t++) for (let j = 0; j < D; j++) {
      let acc = 0;
      for (let i = 0; i < D; i++) acc += Math.fround(xAt(t * D + i)) * Math.fround(w(i * D + j));
      out[(Math.floor(j / dh) * T + t) * dh + (j % dh)] = acc;
    }
    return out;
  };
  const q = proj(1);
  const k = proj(2);
  const p = new Float64Array(H * T * T);
  for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) {
    const row = Array.from({ length: T }, (_, j) => {
      let s = 0;
      for (let d = 0; d < dh; d++) s += q[(h * T + i) * dh + d]! * k[(h * T + j) * dh + d]!;
      return s / Math.sqrt(dh) + maskAt(i * T + j);
    });
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (p[(h * T + i) * T + j] = v / z));
  }
  return p;
}

describe('findAttention', () => {
  it('finds torch\'s [B·H, T, T] attention with its heads from the Reshape constant, and its tap gives the probabilities', async () => {
    const m = model(torch3d());
    const { info, model: decoded } = readModel(bytesOf(m), 'torch.onnx');
    expect(info.attention).toEqual([{ layer: 0, softmax: 'Softmax_probs', output: 'probs', scores: 'MatMul_scores', values: 'MatMul_y', heads: H }]);
    expect(info.fused).toEqual([]);
    const before = bytesOf(decoded);
    const tapped = tapModel(decoded, info.attention);
    expect(bytesOf(decoded)).toEqual(before);
    const session = await ort.InferenceSession.create(tapped);
    const x = new ort.Tensor('float32', Float32Array.from({ length: T * D }, (_, i) => xAt(i)), [1, T, D]);
    const out = await session.run({ x });
    await session.release();
    const tap = out[tapName(0)]!;
    expect([...tap.dims]).toEqual([H, T, T]);
    const maps = probeMaps([...tap.dims], tap.data as Float32Array, info.attention[0]!.heads);
    expect([maps.heads, maps.Tq, maps.Tk]).toEqual([H, T, T]);
    expectClose(maps.maps, reference(), 1e-5, 'tapped probabilities vs float64 loops');
  });

  it('lists a com.microsoft Attention node as fused, with no sites', () => {
    const parts: Parts = {
      nodes: [{ name: 'attn0', opType: 'Attention', domain: 'com.microsoft', input: ['x', 'W', 'b'], output: ['y'], attribute: [{ name: 'num_heads', type: 2, i: H }] }],
      inputs: [vi('x', FLOAT, [1, T, D])],
      outputs: [vi('y', FLOAT, [1, T, D])],
      initializers: [floats('W', [D, 3 * D]), floats('b', [3 * D])],
      imports: [{ domain: 'com.microsoft', version: 1 }],
    };
    const { info } = readModel(bytesOf(model(parts)), 'fused.onnx');
    expect(info.attention).toEqual([]);
    expect(info.fused).toHaveLength(1);
    expect(info.fused[0]).toMatchObject({ node: 'attn0', opType: 'Attention', domain: 'com.microsoft' });
    expect(info.fused[0]!.why).toMatch(/stay inside the fused Attention kernel; re-export the model without the fusion/);
    // ONNX's own Attention (opset 23) is fused too.
    const onnx23 = { ...parts, opset: 23, imports: [], nodes: [{ ...parts.nodes[0]!, domain: '', input: ['x', 'x', 'x'] }] };
    expect(findAttention(model(onnx23).graph!, 23).fused.map((f) => f.opType)).toEqual(['Attention']);
  });

  it('does not take a classifier\'s Softmax (over a MatMul with a weight) for attention', () => {
    const parts: Parts = {
      nodes: [node('MatMul', ['x', 'W'], ['z']), node('Softmax', ['z'], ['p'], { axis: -1 }), node('MatMul', ['p', 'x2'], ['y'])],
      inputs: [vi('x', FLOAT, [1, T, D]), vi('x2', FLOAT, [1, D, D])],
      outputs: [vi('y', FLOAT, null)],
      initializers: [floats('W', [D, D])],
    };
    expect(findAttention(model(parts).graph!).sites).toEqual([]);
    // Nor one over Transpose(W): computed from a weight alone, still a weight.
    parts.nodes.unshift(node('Transpose', ['W0'], ['W'], { perm: [1, 0] }));
    parts.initializers = [floats('W0', [D, D])];
    expect(findAttention(model(parts).graph!).sites).toEqual([]);
  });

  it('takes only Softmaxes over the last axis, and only those that weight values', () => {
    const base = torch3d();
    const axisOf = (attrs: Record<string, number>, opset: number) => {
      const nodes = base.nodes.map((n) => (n.opType === 'Softmax' ? node('Softmax', ['masked'], ['probs'], attrs) : n));
      return findAttention(model({ ...base, nodes, opset }).graph!, opset).sites.length;
    };
    expect(axisOf({ axis: 2 }, 17)).toBe(1); // rank 3 worked out from the shapes: 2 is the last axis
    expect(axisOf({ axis: 1 }, 17)).toBe(0);
    expect(axisOf({}, 17)).toBe(1); // opset 13+: default −1
    expect(axisOf({}, 11)).toBe(0); // opset < 13: default 1, not the last of rank 3
    // onnxruntime's optimizer writes the scores as FusedMatMul(q, k, transB, alpha = 1/√dh): still a site.
    const fusedScores = base.nodes.filter((n) => n.output?.[0] !== 'kT').map((n) =>
      n.output?.[0] === 'scores' ? { ...node('FusedMatMul', ['q', 'k'], ['scores'], { transB: 1 }), domain: 'com.microsoft' } : n);
    expect(findAttention(model({ ...base, nodes: fusedScores }).graph!).sites.map((s) => [s.scores, s.heads])).toEqual([['FusedMatMul_scores', H]]);
    // The probabilities leave the graph but weight no values: not a site.
    const noValues = { ...base, nodes: base.nodes.filter((n) => n.output?.[0] !== 'y'), outputs: [vi('probs', FLOAT, null)] };
    expect(findAttention(model(noValues).graph!).sites).toEqual([]);
  });
});

describe('tapModel', () => {
  it('names taps tap.attn.<layer>, with a suffix where the model already uses the name', () => {
    const parts = torch3d();
    parts.nodes.push(node('Identity', ['y'], ['tap.attn.0']));
    parts.outputs = [vi('tap.attn.0', FLOAT, null)];
    const m = model(parts);
    const sites = findAttention(m.graph!).sites;
    expect(tapNames(m, sites)).toEqual(['tap.attn.0_1']);
    const copy = onnx.ModelProto.decode(tapModel(m, sites));
    expect(copy.graph!.output!.map((o) => o.name)).toEqual(['tap.attn.0', 'tap.attn.0_1']);
    expect(copy.graph!.output![1]!.type!.tensorType!.elemType).toBe(FLOAT);
    expect(copy.graph!.node!.at(-1)).toMatchObject({ opType: 'Cast', input: ['probs'], output: ['tap.attn.0_1'] });
    expect(m.graph!.node!.length).toBe(parts.nodes.length);
  });
});
