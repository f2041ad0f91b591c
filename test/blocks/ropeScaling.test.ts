// RoPE's context-extension scalings: position interpolation, NTK-aware base scaling and CLEX. Each
// matches the float64 reference (test/blocks/rope.ref.ts) in both modes; hand-computed angles pin
// down PI and NTK; untrained CLEX equals NTK scaling with α = 2t − 1 (what the authors' zero-initialised
// ODE gives); a CLEX with a non-zero learned ODE matches the reference's own RK4; its gradient
// reaches the ODE's weights.
import { describe, expect, it } from 'vitest';
import { clexTime, ntkLogFrequency } from '../../src/blocks/rope';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { expectGradientsMatch } from '../train/gradcheck';
import { expectClose, nodeRuntime, rng, weightsOf } from '../helpers';
import { aloneSpec, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { clexLogFrequencies } from './rope.ref';
import { cpuOnly } from '../graph/gpuOps';

const rope = (params: Record<string, unknown>) => ({ position: { kind: 'rope', params } });

// TEXT has 37 tokens: trainedLength 16 gives CLEX the scale t = ⌈37/16⌉ = 3.
const CASES: [string, Record<string, unknown>][] = [
  ['pi, s = 2.5', { scaling: 'pi', factor: 2.5 }],
  ['ntk, s = 4', { scaling: 'ntk', factor: 4 }],
  ['ntk, s = 8, fraction 0.5, base 500', { scaling: 'ntk', factor: 8, fraction: 0.5, base: 500 }],
  ['clex, t = 3 (untrained ODE)', { scaling: 'clex', factor: 4, trainedLength: 16, clexSteps: 2 }],
  ['clex, t capped at factor 2', { scaling: 'clex', factor: 2, trainedLength: 8, clexSteps: 3, clexWidth: 2 }],
  ['clex, t = 1 (T within the trained length)', { scaling: 'clex', trainedLength: 64 }],
];

describe.each(CASES)('rope scaling %s', (_, params) => {
  it('alone and in a 3-layer model: matches the float64 reference in both modes', async () => {
    await expectMatchesReference(aloneSpec(rope(params)));
    await expectMatchesReference(threeLayerSpec(rope(params)));
  });
});

/** The constant initialiser starting with `hint` in the fast graph. */
function constantOf(spec: Spec, T: number, hint: string): number[] {
  const inits = compile(spec, { T, mode: 'fast' }).initializers.filter((i) => i.tensor.name.startsWith(hint));
  expect(inits).toHaveLength(1);
  return Array.from(inits[0]!.data as Float32Array);
}

describe('hand-checked angles (head size 8: θ = 1, 1/10, 1/100, 1/1000)', () => {
  const spec = (params: Record<string, unknown>) => aloneSpec(rope(params));

  it('pi with s = 4: the angle at t = 1 is θ_i / 4', () => {
    expectClose(constantOf(spec({ scaling: 'pi', factor: 4 }), 2, 'rope_sin').slice(4), [1, 0.1, 0.01, 0.001].map((th) => Math.sin(th / 4)), 1e-7, 'sin row 1');
  });

  it('ntk with s = 4: base 10000·4^(8/6), so θ_0 = 1 stays and θ_3 = 1/1000 becomes 1/4000', () => {
    // θ_i = (10000·4^(4/3))^(−i/4) = 10^(−i)·4^(−i/3): 1, 0.1·4^(−1/3), 0.01·4^(−2/3), 0.001/4.
    const want = [1, 0.1 * 4 ** (-1 / 3), 0.01 * 4 ** (-2 / 3), 0.00025];
    expectClose(constantOf(spec({ scaling: 'ntk', factor: 4 }), 3, 'rope_sin').slice(8), want.map((th) => Math.sin(2 * th)), 1e-7, 'sin row 2');
  });

  it('none ignores the factor', () => {
    expectClose(constantOf(spec({ factor: 7 }), 2, 'rope_sin').slice(4), [1, 0.1, 0.01, 0.001].map(Math.sin), 1e-7, 'sin row 1');
  });
});

describe('CLEX', () => {
  it('picks the scale as the authors\' inference code: ⌈T / L⌉, at least 1, at most the factor', () => {
    expect([clexTime(10, 16, 4), clexTime(16, 16, 4), clexTime(17, 16, 4), clexTime(37, 16, 4), clexTime(200, 16, 4)]).toEqual([1, 1, 2, 3, 4]);
  });

  it('the NTK term is the derivative of log θ^ntk: finite differences agree', () => {
    const h = 1e-6;
    for (const tau of [1.3, 2, 5.5]) {
      const up = ntkLogFrequency(4, 10000, tau + h).log;
      const down = ntkLogFrequency(4, 10000, tau - h).log;
      expectClose(ntkLogFrequency(4, 10000, tau).rate, up.map((u, i) => (u - down[i]!) / (2 * h)), 1e-6, `rate at τ = ${tau}`);
    }
  });

  it('untrained (W_down = 0), the reference ODE lands on NTK scaling with α = 2t − 1', () => {
    const P = 4;
    const up = Float64Array.from({ length: P * 8 }, (_, i) => Math.sin(i)); // anything: W_down = 0 cancels it
    const z = clexLogFrequencies(P, 10000, up, new Float64Array(8 * P), 3, 20);
    const ntk = Array.from({ length: P }, (_, i) => Math.log((10000 * 5 ** (8 / 6)) ** ((-2 * i) / 8))); // s = 2·3 − 1
    expectClose(z, ntk, 1e-7, 'log θ(3)'); // the RK4 truncation error at h = 0.05 is about 1e-8
  });

  it('untrained, the block equals the ntk block with s = 2t − 1 (logits, T = 37, t = 3)', async () => {
    const run = async (params: Record<string, unknown>) => {
      const checked = validateSpec(aloneSpec(rope(params)));
      if (!checked.ok) throw new Error(checked.errors.join('\n'));
      const tokens = tokenize(TEXT, 64).ids;
      const model = await (await nodeRuntime()).load(toOnnxBytes(compile(checked.spec, { T: tokens.length, mode: 'fast' })));
      const out = (await model.run(tokens))['logits']!.data;
      await model.release();
      return out;
    };
    expectClose(await run({ scaling: 'clex', factor: 4, trainedLength: 16, clexSteps: 20 }), await run({ scaling: 'ntk', factor: 5 }), 1e-4, 'logits');
  });

  it('with a learned (non-zero) ODE, both modes match the reference\'s float64 RK4', async () => {
    const checked = validateSpec(threeLayerSpec(rope({ scaling: 'clex', factor: 4, trainedLength: 16, clexSteps: 2, clexWidth: 2 })));
    if (!checked.ok) throw new Error(checked.errors.join('\n'));
    const spec = checked.spec;
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    const r = rng(5);
    const learned = new Map<string, Float32Array>();
    const rt = await nodeRuntime();
    for (const mode of ['inspect', 'fast'] as const) {
      const base = compile(spec, { T, mode });
      for (const name of ['position.clex_up', 'position.clex_down'])
        if (!learned.has(name)) learned.set(name, Float32Array.from(base.initializers.find((i) => i.tensor.name === name)!.data as Float32Array, () => r() - 0.5));
      // A copy of the graph with the ODE's weights replaced (drawn weights are shared, never written).
      const graph = { ...base, initializers: base.initializers.map((w) => (learned.has(w.tensor.name) ? { ...w, data: learned.get(w.tensor.name)! } : w)) };
      expect(weightsOf(graph)('position.clex_down').some((v) => v !== 0)).toBe(true);
      const ref = referenceForward(spec, weightsOf(graph), tokens, VOCAB_SIZE);
      const model = await rt.load(toOnnxBytes(graph));
      const out = await model.run(tokens);
      await model.release();
      expectClose(out['logits']!.data, ref.logits, 1e-4, `${mode} logits`);
      // The learned correction matters: the logits differ from the untrained model's.
      const plain = referenceForward(spec, (n) => (n === 'position.clex_down' ? new Float64Array(learned.get(n)!.length) : weightsOf(graph)(n)), tokens, VOCAB_SIZE);
      expect(Math.max(...ref.logits.map((v, i) => Math.abs(v - plain.logits[i]!)))).toBeGreaterThan(1e-3);
    }
  });

  it('emits the ODE once per graph, its two weights under "position", shared by every layer', () => {
    const graph = compile(threeLayerSpec(rope({ scaling: 'clex', factor: 4, trainedLength: 16 })), { T: 37, mode: 'fast' });
    expect(graph.initializers.filter((i) => i.trainable && i.tensor.name.startsWith('position.')).map((i) => [i.tensor.name, i.tensor.shape])).toEqual([
      ['position.clex_up', [4, 8]],
      ['position.clex_down', [8, 4]],
    ]);
    expect(graph.nodes.filter((n) => n.op === 'Sin')).toHaveLength(1);
    // Sin, Cos, Tanh, Exp, MatMul: every op has a WebGPU kernel in the installed onnxruntime-web.
    expect(cpuOnly(graph.nodes.map((n) => n.op))).toEqual([]);
  });

  it('its gradient reaches the ODE (T = 8, trained length 4: t = 2) and matches finite differences', async () => {
    const errors = await expectGradientsMatch(aloneSpec(rope({ scaling: 'clex', factor: 2, trainedLength: 4, clexSteps: 2 }), { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2, T: 8 });
    expect([...errors.keys()]).toEqual(expect.arrayContaining(['position.clex_up', 'position.clex_down']));
  }, 300_000);
});

describe('scaling parameters', () => {
  const errorsOf = (spec: Spec) => {
    const r = validateSpec(spec);
    return r.ok ? [] : r.errors;
  };

  it('refuses what cannot work, saying why', () => {
    expect(errorsOf(aloneSpec(rope({ scaling: 'ntk', fraction: 0.25 }), { dModel: 32, nHeads: 2 }))).toEqual([]);
    expect(errorsOf(aloneSpec(rope({ scaling: 'ntk' }), { dModel: 8, nHeads: 4 }))).toEqual([
      'position: RoPE (rotary positions): scaling "ntk" needs at least 2 rotated pairs (its exponent divides by d_rot − 2), got 1; raise fraction or use fewer heads',
    ]);
    expect(errorsOf(aloneSpec(rope({ scaling: 'clex', factor: 2.5 })))).toEqual(['position: RoPE (rotary positions): scaling "clex" takes a whole largest scale t as its factor, got 2.5']);
    expect(errorsOf(aloneSpec(rope({ scaling: 'yarn' })))[0]).toMatch(/parameter "scaling" must be one of "none", "pi", "ntk", "clex"/);
    expect(errorsOf(aloneSpec(rope({ factor: 0.5 })))).toEqual(['position: RoPE (rotary positions): parameter "factor" must be a number from 1 to 32, got 0.5']);
  });
});
