// Auxiliary losses blocks declare: MoE's load-balancing loss (Switch Transformer, α·E·Σ f_e P_e).
// Its value against the formula computed in the test from the router probabilities the inspect graph
// reports, and the gradient of the whole objective (cross-entropy + auxiliary) against float64
// finite differences of the grad graph itself, evaluated by the float64 interpreter.
import { expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { PRESETS } from '../../src/presets';
import { validateSpec } from '../../src/spec/schema';
import { gradGraph } from '../../src/train/step';
import { evalGraph64 } from '../reference/graph64';
import { feedsOf, randomBatch, shrink } from './gradcheck';
import { session } from './run';

const checked = validateSpec(shrink(PRESETS.find((p) => p.id === 'switch-moe')!.spec()));
if (!checked.ok) throw new Error(checked.errors.join('\n'));
const spec = checked.spec;
const shape = { T: 8, batch: 2 };

it('MoE declares the load-balancing loss, α · E · Σ_e f_e · P_e per MoE layer', async () => {
  const batch = randomBatch(shape.batch, shape.T, 5);
  const grad = await session(gradGraph(spec, shape));
  const out = await grad.run(feedsOf(batch));
  await grad.release();
  const inspect = await session(compile(spec, { T: shape.T, mode: 'inspect', batch: shape.batch }));
  const probes = await inspect.run({ tokens: feedsOf(batch).tokens });
  await inspect.release();
  let expected = 0;
  spec.layers.forEach((layer, i) => {
    if (layer.ffn.kind !== 'moe') return;
    const E = layer.ffn.params['experts'] as number;
    const k = layer.ffn.params['k'] as number;
    const p = probes[`router_probs.${i}`]!.data;
    const rows = p.length / E;
    const share = new Array<number>(E).fill(0);
    const mean = new Array<number>(E).fill(0);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(p.subarray(r * E, (r + 1) * E));
      const top = [...row.keys()].sort((a, b) => row[b]! - row[a]!).slice(0, k);
      top.forEach((e) => (share[e]! += 1 / (rows * k)));
      row.forEach((v, e) => (mean[e]! += v / rows));
    }
    expected += 0.01 * E * share.reduce((s, f, e) => s + f * mean[e]!, 0);
  });
  expect(expected).toBeGreaterThan(0);
  expect(Math.abs(out['total_aux_loss']!.data[0]! - expected)).toBeLessThan(1e-6);
}, 120_000);

it('the gradient includes the auxiliary loss (float64 finite differences of the whole objective)', () => {
  const batch = randomBatch(shape.batch, shape.T, 6);
  const graph = gradGraph(spec, shape);
  const feeds = { ...feedsOf(batch), loss_mask: batch.mask.flat() };
  const base = evalGraph64(graph, feeds);
  const name = 'layers.0.ffn.wrouter';
  const w = Float64Array.from(graph.initializers.find((i) => i.tensor.name === name)!.data as Float32Array);
  const g = base[`grad.${name}`]!.data as Float64Array;
  const objective = (moved: Float64Array) => {
    const o = evalGraph64(graph, feeds, { overrides: { [name]: moved }, outputs: ['loss', 'total_aux_loss'] });
    return (o['loss']!.data as Float64Array)[0]! + (o['total_aux_loss']!.data as Float64Array)[0]!;
  };
  const h = 1e-6;
  for (let i = 0; i < w.length; i++) {
    const up = Float64Array.from(w);
    const down = Float64Array.from(w);
    up[i]! += h;
    down[i]! -= h;
    const fd = (objective(up) - objective(down)) / (2 * h);
    expect(Math.abs(g[i]! - fd), `${name}[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
  }
  // And the auxiliary term really moves the router: without it the gradient differs.
  const plain = evalGraph64(gradGraph(spec, shape, { aux: false }), feeds)[`grad.${name}`]!.data as Float64Array;
  expect(Math.max(...g.map((v, i) => Math.abs(v - plain[i]!)))).toBeGreaterThan(1e-6);
});
