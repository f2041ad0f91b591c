// Power-softmax with an additive position bias: the bias stays a log-weight, A_ij ∝ |s_ij|^p·exp(b_ij),
// so ALiBi still lowers distant keys. Both modes match the float64 reference with ALiBi and T5
// biases; with every key scoring the same, the weights are exactly ALiBi's exp(−m·distance) profile
// and the farthest key gets the least weight (before the fix, (s + b)^p gave it the most).
import { describe, expect, it } from 'vitest';
import { alibiSlopes } from '../../src/blocks/alibi';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { validateSpec } from '../../src/spec/schema';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { referenceForward } from '../reference/forward64';
import { expectGradientsMatch } from '../train/gradcheck';
import { expectClose, nodeRuntime, weightsOf } from '../helpers';
import { aloneSpec, expectMatchesReference, TEXT, threeLayerSpec } from './harness';

const power = (params: Record<string, unknown>) => ({ mixer: { kind: 'power_softmax', params } });
const alibi = { position: { kind: 'alibi', params: {} } };

describe('power-softmax with a position bias against the float64 reference', () => {
  it.each([
    ['ALiBi, p = 2', { ...power({ power: 2 }), ...alibi }],
    ['ALiBi, p = 4, bidirectional, 2 key/value heads', { ...power({ power: 4, causal: false, kvHeads: 2 }), ...alibi }],
    ['T5 bias, p = 6', { ...power({ power: 6 }), position: { kind: 't5_bias', params: {} } }],
  ])('%s: alone and in a 3-layer model, both modes', async (_, put) => {
    await expectMatchesReference(aloneSpec(put));
    await expectMatchesReference(threeLayerSpec(put));
  });
});

describe('ALiBi keeps its meaning', () => {
  it('equal scores: weights are exactly exp(−m_h·distance) normalised, the farthest key the least, in both block and reference', async () => {
    const checked = validateSpec(aloneSpec({ ...power({ power: 2 }), ...alibi }));
    if (!checked.ok) throw new Error(checked.errors.join());
    const spec = checked.spec;
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const T = tokens.length;
    // W_K = 0 and b_K = c: every key is c, so q_i·k_j is the same for all j and only the bias differs.
    // (A copy of the graph with those two weights replaced: drawn weights are shared, never written.)
    const base = compile(spec, { T, mode: 'inspect' });
    const set: Record<string, (i: number) => number> = { 'layers.0.mixer.wk': () => 0, 'layers.0.mixer.bk': (i) => 0.5 + 0.1 * (i % 7) };
    const graph = { ...base, initializers: base.initializers.map((w) => (set[w.tensor.name] ? { ...w, data: Float32Array.from(w.data as Float32Array, (_, i) => set[w.tensor.name]!(i)) } : w)) };
    const model = await (await nodeRuntime()).load(toOnnxBytes(graph));
    const probs = (await model.run(tokens))['attn_probs.0']!.data;
    await model.release();
    const ref = referenceForward(spec, weightsOf(graph), tokens, VOCAB_SIZE).probs[0]!;
    expectClose(probs, ref, 1e-5, 'block vs reference');
    const slopes = alibiSlopes(spec.nHeads);
    for (let h = 0; h < spec.nHeads; h++) {
      const i = T - 1; // the last query sees all T keys
      const row = Array.from(probs.subarray((h * T + i) * T, (h * T + i + 1) * T));
      const want = row.map((_, j) => Math.exp(-slopes[h]! * (i - j)));
      const z = want.reduce((a, b) => a + b, 0);
      expectClose(row, want.map((w) => w / z), 1e-5, `head ${h}`);
      expect(row.indexOf(Math.min(...row)), `head ${h}: the farthest key weighs least`).toBe(0);
      expect(row.indexOf(Math.max(...row)), `head ${h}: the token itself weighs most`).toBe(i);
      const refRow = Array.from(ref.subarray((h * T + i) * T, (h * T + i + 1) * T));
      expect(refRow.indexOf(Math.min(...refRow))).toBe(0);
    }
  });

  it('with the model\'s own weights, the steepest head (m = 1/4 with 4 heads) puts less weight on the farthest key than on the token itself, every query 24 or more tokens from the start', async () => {
    const checked = validateSpec(aloneSpec({ ...power({ power: 2 }), ...alibi }));
    if (!checked.ok) throw new Error(checked.errors.join());
    const tokens = tokenize(TEXT, 64).ids;
    const T = tokens.length;
    const model = await (await nodeRuntime()).load(toOnnxBytes(compile(checked.spec, { T, mode: 'inspect' })));
    const probs = (await model.run(tokens))['attn_probs.0']!.data;
    await model.release();
    let farther = 0;
    for (let i = 24; i < T; i++) if (probs[i * T]! < probs[i * T + i]!) farther++; // head 0
    expect(farther).toBe(T - 24);
  });

  it('without a bias it is still s^p / Σ s^p (the log-domain form changes nothing)', async () => {
    await expectMatchesReference(aloneSpec(power({ power: 8 })));
  });

  it('its gradient with ALiBi matches finite differences of the reference', async () => {
    await expectGradientsMatch(aloneSpec({ ...power({ power: 4 }), ...alibi }, { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);
});
