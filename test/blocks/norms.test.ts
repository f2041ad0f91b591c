// Normalisation: LayerNorm, RMSNorm, none, in every placement, and σReparam on the linear layers.
import { describe, expect, it } from 'vitest';
import { spectralNorm } from '../../src/graph/spectral';
import { validateSpec } from '../../src/spec/schema';
import type { LayerSpec } from '../../src/spec/types';
import { aloneSpec, expectMatchesReference, threeLayerSpec } from './harness';

const NORMS = [
  { kind: 'layer_norm', params: { epsilon: 1e-5 } },
  { kind: 'rms_norm', params: { epsilon: 1e-6 } },
  { kind: 'none', params: {} },
];
const PLACEMENTS: LayerSpec['placement'][] = ['pre', 'post', 'peri'];

describe.each(NORMS.flatMap((norm) => PLACEMENTS.map((placement) => [norm.kind, placement, norm] as const)))('%s, %s', (_kind, placement, norm) => {
  it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec({ norm, placement })));
  it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec({ norm, placement })));
});

describe('σReparam', () => {
  it('computes the spectral norm exactly: diagonal, rank-one and rotation matrices written out by hand', () => {
    expect(spectralNorm([3, 0, 0, 0, -5, 0], 2, 3)).toBeCloseTo(5, 12); // diag(3, −5)
    expect(spectralNorm([1, 2, 2, 4], 2, 2)).toBeCloseTo(5, 12); // [1 2]ᵀ[1 2]: ‖u‖‖v‖ = √5·√5
    const c = Math.cos(0.3), s = Math.sin(0.3);
    expect(spectralNorm([2 * c, -2 * s, 2 * s, 2 * c], 2, 2)).toBeCloseTo(2, 12); // 2 × rotation
  });

  it.each([0.5, 1, 4])('with γ = %s, a norm-free and a pre-LN model match the reference', async (gamma) => {
    const sigmaReparam = { enabled: true, gamma };
    await expectMatchesReference({ ...aloneSpec({ norm: { kind: 'none', params: {} } }), sigmaReparam });
    await expectMatchesReference({ ...threeLayerSpec({}), sigmaReparam });
  });

  it('refuses γ out of range, naming the field and the range', () => {
    const r = validateSpec({ ...aloneSpec({}), sigmaReparam: { enabled: true, gamma: 0 } });
    expect(r.ok ? [] : r.errors).toEqual(['sigmaReparam.gamma: must be a number from 0.01 to 100, got 0']);
  });

  it('is off when a document leaves it out', () => {
    const { sigmaReparam: _s, ...without } = aloneSpec({});
    const r = validateSpec(without);
    expect(r.ok && r.spec.sigmaReparam).toEqual({ enabled: false, gamma: 1 });
  });
});
