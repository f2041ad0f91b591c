/**
 * What the lessons share: the models their steps set, built from the default spec, and the figures
 * several of them quote.
 */
import { PLACEMENT_NAMES } from '../../spec/catalog';
import { defaultLayer, defaultSpec } from '../../spec/defaults';
import type { BlockRef, LayerSpec, NormPlacement, Spec } from '../../spec/types';
import { meanEntropyFraction, residualRms, type Figure } from '../../analysis/figures';

export const named = (spec: Spec, name: string): Spec => ({ ...spec, name });
export const withPosition = (position: BlockRef, name: string) => (): Spec => named({ ...defaultSpec(), position }, name);

/** The default decoder with `n` layers, each changed by `f`. */
export const decoder = (name: string, n: number, f: (l: LayerSpec) => LayerSpec, extra: Partial<Spec> = {}): Spec => ({
  ...defaultSpec(),
  name,
  layers: Array.from({ length: n }, () => f(defaultLayer())),
  ...extra,
});

export const withSigma = (spec: Spec, gamma: number, name: string): Spec => named({ ...spec, sigmaReparam: { enabled: true, gamma } }, name);

/** 6 layers with the norms at `placement`, the linear layers optionally rescaled to spectral norm γ. */
export const deep = (placement: NormPlacement, gamma?: number) => (): Spec => {
  const label = PLACEMENT_NAMES[placement];
  const spec = decoder(`${label}, 6 layers`, 6, (l) => ({ ...l, placement }));
  return gamma === undefined ? spec : withSigma(spec, gamma, `${label}, 6 layers, σReparam γ = ${gamma}`);
};

/** The latency lesson's models: the default shape, long enough to sweep to 2048 tokens, with `mixer` in both layers. */
export const longContext = (name: string, mixer: BlockRef) => (): Spec => decoder(name, 2, (l) => ({ ...l, mixer }), { maxLen: 2048 });

/** Figures the steps quote. */
export const ENTROPY: Record<string, Figure> = { entropy: { of: meanEntropyFraction, show: 'percent' } };
export const STREAM: Record<string, Figure> = {
  embedding: { of: (r) => residualRms(r, 0), show: 'decimal' },
  last: { of: (r) => residualRms(r, -1), show: 'decimal' },
};

