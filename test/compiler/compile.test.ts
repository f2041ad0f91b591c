import { describe, expect, it } from 'vitest';
import { compile, SpecError } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { weightsOf } from '../helpers';
import { expectMatchesReference } from '../blocks/harness';

const TEXT = 'Attention is all you need, they said.';

const check = (spec: Spec, text: string) => expectMatchesReference(spec, text);

/** A 4-layer pre-RMSNorm model. */
export function rmsNormSpec(): Spec {
  const layer = () => ({ ...defaultLayer(), norm: { kind: 'rms_norm', params: { epsilon: 1e-6 } } });
  return { ...defaultSpec(), name: '4-layer RMSNorm', layers: [layer(), layer(), layer(), layer()] };
}

describe('compile', () => {
  it('the default model matches the float64 reference in both modes', () => check(defaultSpec(), TEXT));

  it('a 4-layer RMSNorm model matches the float64 reference in both modes', () => check(rmsNormSpec(), TEXT));

  it('RMSNorm with post and peri placements matches the reference', () => {
    const spec = rmsNormSpec();
    spec.layers[0]!.placement = 'post';
    spec.layers[1]!.placement = 'peri';
    spec.layers[3]!.placement = 'post';
    return check(spec, 'RMS!');
  });

  it('post-LN and peri-LN placements and a bidirectional layer match the reference', () => {
    const spec = defaultSpec();
    spec.layers = [
      { ...defaultLayer(), placement: 'post' },
      { ...defaultLayer(), placement: 'peri', mixer: { kind: 'softmax_attention', params: { causal: false } } },
      { ...defaultLayer(), placement: 'pre' },
    ];
    return check(spec, 'peri-LN!');
  });

  it('a single token and the longest text both run', async () => {
    const spec = { ...defaultSpec(), maxLen: 16 };
    await check(spec, 'a');
    await check(spec, 'x'.repeat(16));
  });

  it('the same spec and seed give byte-identical files; another seed does not', () => {
    const a = toOnnxBytes(compile(defaultSpec(), { T: 7, mode: 'inspect' }));
    const b = toOnnxBytes(compile(defaultSpec(), { T: 7, mode: 'inspect' }));
    const c = toOnnxBytes(compile({ ...defaultSpec(), seed: 2 }, { T: 7, mode: 'inspect' }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('weights do not depend on T or on the number of layers', () => {
    const w1 = weightsOf(compile(defaultSpec(), { T: 3, mode: 'fast' }))('layers.0.mixer.wq');
    const spec3 = { ...defaultSpec(), layers: [defaultLayer(), defaultLayer(), defaultLayer()] };
    const w2 = weightsOf(compile(spec3, { T: 9, mode: 'fast' }))('layers.0.mixer.wq');
    expect(Array.from(w1)).toEqual(Array.from(w2));
  });

  it('refuses a sequence longer than the model takes, naming the limit', () => {
    expect(() => compile({ ...defaultSpec(), maxLen: 8 }, { T: 9, mode: 'fast' })).toThrow('T: the sequence length must be a whole number from 1 to maxLen (8), got 9');
  });

  it('refuses an invalid spec with every reason', () => {
    const bad = { ...defaultSpec(), dModel: 63, layers: [{ ...defaultLayer(), mixer: { kind: 'nope', params: {} } }] };
    try {
      compile(bad, { T: 4, mode: 'fast' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecError);
      expect((e as SpecError).errors.join('\n')).toMatch(/nHeads: must divide dModel \(63\), got 4/);
      expect((e as SpecError).errors.join('\n')).toMatch(/unknown mixer block "nope"/);
    }
  });
});
