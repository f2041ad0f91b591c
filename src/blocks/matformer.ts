/**
 * MatFormer's nested feed-forward block: one MLP whose first m hidden units form a smaller MLP.
 * Paper: "MatFormer: Nested Transformer for Elastic Inference" (Devvrit, Kudugunta, Kusupati et
 * al., 2023).
 *
 *   FFN_m(x) = act(x W₁[:, :m] + b₁[:m]) W₂[:m, :] + b₂,   h = expansion · dModel
 *   granularities (the paper's g = 4, named S, M, L, XL): m ∈ {h/8, h/4, h/2, h}
 * (each rounded down, at least 1). Sub-model i uses the first m_i hidden units in every layer, so
 * the sub-models are nested: S ⊂ M ⊂ L ⊂ XL share their weights.
 *
 * Inference: the granularity is a block parameter, picked in the layer inspector (each layer may
 * pick its own, the paper's Mix'n'Match). The graph slices the weights, so it computes only m units.
 *
 * Training. The paper optimises all g sub-models jointly, L = Σ_i λ_i · L(M_i(x), y), which needs
 * g forward passes of the whole model per step. The playground's step is one forward pass, so we
 * train the sub-models in turn instead: step s trains granularity (s − 1) mod 4 (S, M, L, XL, S, …)
 * in every MatFormer layer, by zeroing the hidden units past m (identical to the sliced sub-model).
 * Over each 4 consecutive steps every sub-model is trained once: the same gradient as the joint
 * objective with λ_i = 1/4, spread over 4 steps, at the cost of one forward pass per step. We chose
 * the fixed cycle over random sampling so that each granularity gets exactly its share of steps
 * and a run is reproducible; that is our choice, not the paper's recipe.
 *
 * The two projections are this block's own weights (w1, b1, w2, b2, the MLP's names and
 * initialisation), not ctx.linear, because the sub-model slices them: σReparam does not reach them.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock } from './define';
import { activate } from './mlp';

/** The granularities' names, smallest first. */
export const GRANULARITIES = ['S', 'M', 'L', 'XL'] as const;

/** Hidden units of each granularity for h units in all: h/8, h/4, h/2, h (rounded down, at least 1). */
export const nestedWidths = (h: number): number[] => GRANULARITIES.map((_, i) => Math.max(1, Math.floor(h / 2 ** (GRANULARITIES.length - 1 - i))));

export default defineBlock({
  kind: 'matformer',
  slot: 'ffn',
  title: 'MatFormer FFN',
  paper: 'MatFormer: Nested Transformer for Elastic Inference',
  explanation:
    'An MLP built like a set of Russian dolls: its first eighth of hidden units is a small MLP, the ' +
    'first quarter a larger one, then half, then all of it. Training takes the four sizes in turn, ' +
    'so each of them works on its own. At inference you choose the size per layer, trading ' +
    'accuracy for speed without training a new model: the smaller sizes simply skip the later ' +
    'hidden units.',
  doc: `
**Paper:** "MatFormer: Nested Transformer for Elastic Inference" (Devvrit et al., 2023).
**Math:** FFN_m(x) = act(x W1[:, :m] + b1[:m]) W2[:m, :] + b2, h = e·d hidden units, granularities
S, M, L, XL with m = h/8, h/4, h/2, h (rounded down, at least 1). The sub-models are nested: the
smaller ones are the first units of the larger.

**Inference:** the \`granularity\` parameter (layer inspector) picks m for that layer; each layer may
pick its own (the paper's Mix'n'Match). The graph slices W1, b1 and W2 and computes only m units.

**Training:** the paper trains all four sub-models jointly (the sum of their losses, four forward
passes a step). Here a step is one forward pass, so the sub-models take turns: step s trains
granularity (s − 1) mod 4 (S, M, L, XL, S, …) in every MatFormer layer, by zeroing the hidden units
past m, which is exactly the sliced sub-model. Every four steps each sub-model gets one step: the
joint objective with equal weights, spread over four steps. The fixed cycle (rather than drawing a
granularity at random) is our choice: each size gets exactly its share of steps, and runs repeat.
The held-out loss is measured at the granularity the parameter picks. σReparam does not reach this
block's projections (they are sliced, so they are the block's own weights).
`,
  params: z.object({
    granularity: z.enum(GRANULARITIES).describe('the nested sub-model used at inference').default('XL'),
    activation: z.enum(['relu', 'gelu', 'silu', 'relu2']).default('gelu'),
    expansion: z.number().int().min(1).max(8).default(4),
  }),
  emit(ctx, x, p) {
    const { b, dModel: d } = ctx;
    const h = d * p.expansion;
    const w1 = ctx.weight('w1', [d, h], { kind: 'normal', std: 1 / Math.sqrt(d) });
    const b1 = ctx.weight('b1', [h], { kind: 'constant', value: 0 });
    const w2 = ctx.weight('w2', [h, d], { kind: 'normal', std: 1 / Math.sqrt(h) });
    const b2 = ctx.weight('b2', [d], { kind: 'constant', value: 0 });
    const widths = nestedWidths(h);
    if (ctx.training) {
      // This step's granularity i = (s − 1) mod 4; keep hidden unit j when j < m_i.
      const s = b.sub(ctx.training.step(), b.scalar(1));
      const g = GRANULARITIES.length;
      const i = b.sub(s, b.mul(b.floor(b.div(s, b.scalar(g))), b.scalar(g))); // float, exact for whole steps
      const ids = b.constant('granularity_ids', 'float32', [g], widths.map((_, k) => k));
      const m = b.reduceSum(b.mul(b.cast(b.equal(ids, i), 'float32'), b.constant('widths', 'float32', [g], widths)), [0], false); // []
      const units = b.constant('hidden_ids', 'float32', [h], Array.from({ length: h }, (_, j) => j));
      const keep = b.cast(b.less(units, m), 'float32'); // [h]
      const hidden = b.mul(activate(ctx, b.add(b.matmul(x, w1), b1), p.activation), keep); // [B, T, h]
      return b.add(b.matmul(hidden, w2), b2);
    }
    const m = widths[GRANULARITIES.indexOf(p.granularity)]!;
    const cut = (t: Tensor, axis: number) => (m === h ? t : b.slice(t, [axis], [0], [m]));
    const hidden = activate(ctx, b.add(b.matmul(x, cut(w1, 1)), cut(b1, 0)), p.activation); // [B, T, m]
    return b.add(b.matmul(hidden, cut(w2, 0)), b2); // [B, T, d]
  },
});
