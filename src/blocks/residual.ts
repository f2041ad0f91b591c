/**
 * One module (a mixer or feed-forward sub-block) added to the residual stream, with the layer's
 * norms where its placement puts them (Peri-LN paper's names):
 *
 *   pre:  base + F(N(input))
 *   post: N(base + F(input))
 *   peri: base + N_out(F(N_in(input)))
 *
 * `base` is the stream the result is added to and `input` what the module reads; they are the same
 * tensor except in the ladder topology, where the module reads the stream from one module earlier.
 */
import type { Tensor } from '../graph/ir';
import type { BlockContext, LayerParts } from './define';

/** base ⊕ F(input), wired by placement; `name` is "mixer" or "ffn" (it names the norm weights). */
export function residualModule(ctx: BlockContext, parts: LayerParts, name: string, base: Tensor, input: Tensor, f: (u: Tensor) => Tensor): Tensor {
  const { b } = ctx;
  switch (parts.placement) {
    case 'pre': return b.add(base, f(parts.norm(`norm_${name}`, input)));
    case 'post': return parts.norm(`norm_${name}`, b.add(base, f(input)));
    case 'peri': return b.add(base, parts.norm(`norm_${name}_out`, f(parts.norm(`norm_${name}`, input))));
  }
}
