/**
 * A layer's drop switches in the spec ("What Matters in Transformers? Not All Attention is
 * Needed", He et al. 2024): `layers[i].drop = { mixer, ffn }` removes that sub-block with its norms
 * and residual add (compiler/compile.ts). The full model is the same spec with nothing dropped:
 * the weights it shares with a dropped model are the same, as every weight is drawn by its name.
 */
import type { Spec } from './types';

/** The sub-blocks a layer can drop. */
export type DropPart = 'mixer' | 'ffn';

/** Whether any layer of `spec` drops a sub-block. */
export const hasDrops = (spec: Pick<Spec, 'layers'>): boolean => spec.layers.some((l) => l.drop?.mixer || l.drop?.ffn);

/** `spec` with every sub-block back: the full model a dropping is measured against. */
export function fullModel(spec: Spec): Spec {
  if (!hasDrops(spec)) return spec;
  return { ...spec, layers: spec.layers.map(({ drop: _drop, ...layer }) => layer) };
}
