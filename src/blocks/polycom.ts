/**
 * An MLP whose activation is a polynomial composition (PolyCom): PolyReLU or PolyNorm.
 * Paper: "Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models"
 * (Zhuo et al., 2024).
 *
 *   y = ρ(x W₁ + b₁) W₂ + b₂,  hidden width = expansion · dModel, order r
 *   PolyReLU: ρ(u) = a₀ + Σ_{i=1..r} a_i · ReLU(u)^i
 *   PolyNorm: ρ(u) = a₀ + Σ_{i=1..r} a_i · N(u^i),  N(v) = v / √(mean_j v_j² + ε), ε = 1e-6
 *
 * What was checked against the paper's code (github.com/BryceZhuo/PolyCom: README "Using PolyNorm
 * in Other Models" and dense_model/megatron_patch/model/llama2/transformer.py):
 * - The paper writes PolyNorm as Σ a_i x^i / ‖x^i‖₂, "‖·‖" normalising over the hidden features of
 *   one token. The code's norm is x · rsqrt(mean(x², last axis) + 1e-6): an RMS normalisation
 *   (‖x^i‖₂ / √hidden, with ε), per token over the hidden features, with no gain. We follow the code.
 * - The i = 0 term is a plain bias a₀ (the code's `bias`), not a normalised constant.
 * - PolyReLU applies ReLU first, then the plain (unnormalised) polynomial of it.
 * - Initialisation: the code uses r = 3 with weight = ones(3)/3 and bias = 0, so a₁ = a₂ = a₃ = ⅓,
 *   a₀ = 0. For other orders we keep the same rule, a_i = 1/r for i ≥ 1 and a₀ = 0.
 * The coefficients are learnable weights: `a` [r] (a₁ … a_r) and `a0` [1]. The two linear layers
 * have biases, as in the playground's MLP.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock, type BlockContext } from './define';

/** PolyNorm's ε inside the square root (the reference code's default). */
const POLYNORM_EPS = 1e-6;

/** v / √(mean over the hidden features of v² + ε), per token: [B, T, hidden] → [B, T, hidden]. */
function rmsNormalise(ctx: BlockContext, v: Tensor): Tensor {
  const { b } = ctx;
  const ms = b.reduceMean(b.mul(v, v), [-1], true); // [B, T, 1]
  return b.div(v, b.sqrt(b.add(ms, b.scalar(POLYNORM_EPS))));
}

export default defineBlock({
  kind: 'polycom',
  slot: 'ffn',
  title: 'PolyCom (PolyReLU / PolyNorm)',
  paper: 'Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models',
  explanation:
    'An MLP whose non-linearity is a small learnable polynomial. PolyReLU takes ReLU of each hidden ' +
    'unit and adds up its powers (ReLU, ReLU², ReLU³, …), each with its own learned weight. PolyNorm ' +
    'raises the hidden vector itself to each power and rescales every power to unit size (dividing ' +
    'by its root-mean-square over the hidden units) before the weighted sum, which keeps high powers ' +
    'from blowing up. The powers let each unit capture products of features, not just thresholds. ' +
    'The weights start equal (1/order) and are learned.',
  doc: `
**Paper:** "Polynomial Composition Activations: Unleashing the Dynamics of Large Language Models"
(Zhuo et al., 2024).

**Math:** y = ρ(x W1 + b1) W2 + b2 with, for order r,
PolyReLU: ρ(u) = a0 + Σ_{i=1..r} a_i · ReLU(u)^i (element-wise);
PolyNorm: ρ(u) = a0 + Σ_{i=1..r} a_i · N(u^i), N(v) = v / √(mean_j v_j² + 1e-6), the mean taken per
token over the hidden units. a0 … a_r are learned; they start at a_i = 1/r (i ≥ 1) and a0 = 0.

An MLP whose non-linearity is a small learnable polynomial. PolyReLU takes ReLU of each hidden unit
and adds up its powers, each with its own weight. PolyNorm raises the hidden vector itself to each
power and rescales each power to unit root-mean-square over the hidden units before the weighted
sum, which stops the high powers from blowing up. The powers let each unit represent products of
features rather than only thresholds. The paper writes the normalisation as x^i/‖x^i‖₂; its
reference code (github.com/BryceZhuo/PolyCom) uses the RMS form above with ε = 1e-6, a plain bias for
the i = 0 term, and r = 3 with all coefficients starting at ⅓, which is what the playground follows.
`,
  params: z.object({
    variant: z.enum(['polyrelu', 'polynorm']).default('polynorm'),
    order: z.number().int().min(1).max(4).default(3),
    expansion: z.number().int().min(1).max(8).default(4),
  }),
  emit(ctx, x, p) {
    const { b, dModel } = ctx;
    const hidden = dModel * p.expansion;
    const r = p.order;
    const a = ctx.weight('a', [r], { kind: 'constant', value: 1 / r }); // [r]: a₁ … a_r
    const a0 = ctx.weight('a0', [1], { kind: 'constant', value: 0 }); // [1]
    const h = ctx.linear(x, dModel, hidden, '1'); // [B, T, hidden]
    const base = p.variant === 'polyrelu' ? b.relu(h) : h; // [B, T, hidden]
    let power = base; // base^i, built by repeated products
    let sum: Tensor = a0;
    for (let i = 1; i <= r; i++) {
      if (i > 1) power = b.mul(power, base);
      const term = p.variant === 'polynorm' ? rmsNormalise(ctx, power) : power; // [B, T, hidden]
      sum = b.add(sum, b.mul(term, b.slice(a, [0], [i - 1], [i]))); // a_i is [1]
    }
    return ctx.linear(sum, hidden, dModel, '2'); // [B, T, d]
  },
});
